// An async handler throwing a custom error class with extra properties and a unicode message.
class OrderError extends Error {
  constructor(message) {
    super(message);
    this.name = "OrderError";
    this.code = "E_ORDER";
  }
}

exports.handler = async (event, context) => {
  throw new OrderError("naïve café ☃ — \"quoted\"");
};
