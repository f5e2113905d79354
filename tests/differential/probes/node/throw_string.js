// An async handler throwing a value that is not an Error (a string).
exports.handler = async (event, context) => {
  throw "plain string thrown";
};
