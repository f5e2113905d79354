// context.fail with an Error (nodejs22.x; on nodejs24.x context.fail does not exist).
exports.handler = function (event, context) {
  context.fail(new Error("failed through context"));
};
