// A synchronous throw from a non-async two-argument handler.
function validate(event) {
  throw new Error("the order id is missing");
}

exports.handler = function (event, context) {
  return validate(event);
};
