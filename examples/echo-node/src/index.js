// The classic callback-style handler: echo event.key1 back, with the context logged.
exports.handler = function (event, context, callback) {
  console.log('remaining time =', context.getRemainingTimeInMillis());
  console.log('function name =', context.functionName);
  console.log('request id =', context.awsRequestId);
  callback(null, event.key1);
};
