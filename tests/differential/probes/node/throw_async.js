// An async handler rejecting with a TypeError raised in the middle of an expression.
exports.handler = async (event, context) => {
  const order = event.order;
  return order.id + 1;
};
