// Init failure: requiring a package that is not installed.
const missing = require("package-that-does-not-exist");

exports.handler = async () => missing;
