import "../segments/nightly-job";
import "../campaigns/broadcast-job";
