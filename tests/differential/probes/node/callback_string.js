// Callback handler failing with a string: callback("x").
exports.handler = function (event, context, callback) {
  callback("x");
};
