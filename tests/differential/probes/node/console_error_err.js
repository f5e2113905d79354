// console.error with Error objects (alone, after a string, with extra properties).
exports.handler = async (event, context) => {
  const err = new Error("logged, not thrown");
  console.error(err);
  console.error("context:", err);
  const coded = new TypeError("with a code");
  coded.code = "E_PROBE";
  console.warn(coded);
  return "done";
};
