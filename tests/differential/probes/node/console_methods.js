// Success: every console method, format strings, objects, multi-line text, raw stdout.
exports.handler = async (event, context) => {
  console.log("plain log");
  console.log("format %s %d %i %f %j %o %%", "str", 42, 7.9, 1.5, { j: 1 }, [1, "two"]);
  console.log({ nested: { a: [1, 2, { b: "c" }] }, fn: undefined, n: null });
  console.log("multi\nline\nlog");
  console.info("info", "two", "args");
  console.warn("warn");
  console.error("error");
  console.debug("debug");
  console.trace("trace");
  if (typeof console.fatal === "function") console.fatal("fatal");
  process.stdout.write("raw stdout line\n");
  process.stderr.write("raw stderr line\n");
  return { ok: true, unicode: "naïve ☃", n: 1.5, none: null };
};
