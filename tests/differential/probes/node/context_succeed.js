// context.succeed with a result (nodejs22.x; on nodejs24.x context.succeed does not exist).
exports.handler = function (event, context) {
  context.succeed({ via: "succeed" });
};
