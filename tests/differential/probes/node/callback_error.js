// Callback handler failing with an Error: callback(new Error(...)).
exports.handler = function (event, context, callback) {
  callback(new Error("callback failed"));
};
