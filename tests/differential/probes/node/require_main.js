// The "app root" idiom: a file next to the main module. Lambda's entry point is an ES module,
// so there is no CommonJS main module: require.main is undefined and this throws.
const path = require("path");
exports.handler = async () => {
  const root = path.dirname(require.main.filename);
  return { root: root.length > 0, mainModule: process.mainModule !== undefined };
};
