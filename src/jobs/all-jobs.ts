import "./nightly-job";
import "./broadcast/broadcast-job";
