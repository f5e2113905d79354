// Log-level filtering: console records at every level (the client drops those below
// AWS_LAMBDA_LOG_LEVEL) and JSON lines written straight to stdout, which only the platform
// filters, by their "level" key (INFO without one).
console.debug("init debug");
console.warn("init warn");

exports.handler = async () => {
  console.trace("trace record");
  console.debug("debug record");
  console.info("info record");
  console.log("log record");
  console.warn("warn record");
  console.error("error record", new TypeError("typed"));
  console.fatal("fatal record");
  process.stdout.write('{"level":"ERROR","msg":"error line"}\n');
  process.stdout.write('{"level":"debug","msg":"debug line"}\n');
  process.stdout.write('{"level":"nonsense","msg":"invalid level line"}\n');
  process.stdout.write("plain line\n");
  return { ok: true };
};
