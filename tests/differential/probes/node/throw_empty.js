// An async handler throwing an Error with an empty message.
exports.handler = async (event, context) => {
  throw new Error();
};
