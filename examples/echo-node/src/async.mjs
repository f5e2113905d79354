// The same handler rewritten for Node.js 24, where callback handlers are gone: async, return.
export const handler = async (event, context) => {
  console.log('remaining time =', context.getRemainingTimeInMillis());
  console.log('function name =', context.functionName);
  console.log('request id =', context.awsRequestId);
  return event.key1;
};
