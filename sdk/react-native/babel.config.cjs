/** Babel for Jest only (the package ships TypeScript sources; apps compile them with Metro). */
module.exports = { presets: ["module:@react-native/babel-preset"] };
