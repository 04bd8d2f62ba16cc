// The SDK is vendored from this repository (sdk/react-native + sdk/core), outside this
// project: Metro must watch it and resolve its imports (react, react-native) from here.
const { getDefaultConfig } = require("expo/metro-config");
const path = require("node:path");

const config = getDefaultConfig(__dirname);
const sdk = path.resolve(__dirname, "../../sdk");
config.watchFolders = [sdk];
config.resolver.nodeModulesPaths = [path.resolve(__dirname, "node_modules")];
config.resolver.extraNodeModules = { "@beckon/react-native": path.join(sdk, "react-native") };
config.resolver.disableHierarchicalLookup = true;
module.exports = config;
