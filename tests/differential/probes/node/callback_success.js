// Callback handler succeeding: callback(null, result), after logging.
exports.handler = function (event, context, callback) {
  console.log("before callback");
  callback(null, { via: "callback" });
};
