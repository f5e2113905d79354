// context.done with a string error (nodejs22.x; on nodejs24.x context.done does not exist).
exports.handler = function (event, context) {
  context.done("done with an error");
};
