'use strict';
// The Node.js runtime worker of pytest-aws-lambda: one process per execution environment.
//
// Started by pytest_lambda/runtime/workers/node.py as
//   node worker.js <command fd> <event fd> <handler> <code dir> <runtime>
// with the function's Lambda environment variables. Commands arrive as JSON lines on the
// command fd; logs and results leave as JSON lines on the event fd (written synchronously, so
// nothing is lost when user code ends the process). stdout/stderr belong to the handler.
//
// This file is the host: the pipes, the console in Lambda's log formats, and the invocation
// queue that stands in for the Runtime API. The runtime itself (handler loading, invoking,
// error reporting) is runtime3.js (RIC 3.x: nodejs20.x/22.x) or runtime4.js (RIC 4.x:
// nodejs24.x), compiled under the name Lambda's runtime has, file:///var/runtime/index.mjs,
// and shaped like the real client, so that a stack trace shows the user's frames followed by
// the frames a real Lambda shows, never this worker's.

// On Lambda the entry point is an ES module (/var/runtime/index.mjs): no CommonJS main module,
// so the handler's `require.main` and `process.mainModule` are undefined (the real clients 3.3
// and 4.0 show it; `path.dirname(require.main.filename)` fails there with a TypeError). A
// module's `require.main` is read from `process.mainModule` when the module is loaded.
process.mainModule = undefined;
const fs = require('fs');
const net = require('net');
const path = require('path');
const util = require('util');
const vm = require('vm');
const { createRequire } = require('module');
const { performance } = require('perf_hooks');

const [commandFd, eventFd, handlerString, appRoot, runtime] = process.argv.slice(2);
// What user code sees on Lambda; it also names the runtime in "Require stack" messages.
const RUNTIME_ENTRY = '/var/runtime/index.mjs';
const RUNTIME_URL = 'file:///var/runtime/index.mjs';
process.argv = [process.argv[0], RUNTIME_ENTRY];
const LEGACY = runtime !== 'nodejs24.x'; // RIC 3.x: callbacks and the event-loop wait
const EVENT_FD = Number(eventFd);

function send(message) {
  const data = Buffer.from(JSON.stringify(message) + '\n');
  let offset = 0;
  while (offset < data.length) {
    try {
      offset += fs.writeSync(EVENT_FD, data, offset);
    } catch (err) {
      if (err.code !== 'EAGAIN') throw err;
    }
  }
}

// ---- console, in Lambda's text or JSON log format; each record is one log event.
// Text records end with a newline, JSON records do not: that is what both clients write to
// the telemetry fd (aws-lambda-ric 3.3.0 LogPatch.js, 4.0.2 logging/telemetry-logger).
const LEVELS = {
  TRACE: { name: 'TRACE', priority: 1 },
  DEBUG: { name: 'DEBUG', priority: 2 },
  INFO: { name: 'INFO', priority: 3 },
  WARN: { name: 'WARN', priority: 4 },
  ERROR: { name: 'ERROR', priority: 5 },
  FATAL: { name: 'FATAL', priority: 6 },
};
const JSON_FORMAT = (process.env.AWS_LAMBDA_LOG_FORMAT || '').toUpperCase() === 'JSON';
const MIN_LEVEL = (Object.hasOwn(LEVELS, (process.env.AWS_LAMBDA_LOG_LEVEL || '').toUpperCase())
  ? LEVELS[process.env.AWS_LAMBDA_LOG_LEVEL.toUpperCase()] : LEVELS.TRACE);

// The runtime sets where records take their request id and tenant id from: 3.x shows
// `undefined` before the first invocation, 4.x shows `-`.
const logContext = { requestId: () => undefined, tenantId: () => undefined };

function jsonErrorReplacer(_key, value) {
  if (value instanceof Error) {
    return Object.assign({
      errorType: value?.constructor?.name ?? 'UnknownError',
      errorMessage: value.message,
      stackTrace: typeof value.stack === 'string' ? value.stack.split('\n') : value.stack,
    }, value);
  }
  return value;
}

function formatJson(timestamp, level, message, params) {
  const result = { timestamp, level: level.name, requestId: logContext.requestId() };
  const tenantId = logContext.tenantId();
  if (LEGACY ? tenantId != null : tenantId) result.tenantId = tenantId;
  if (params.length === 0) {
    result.message = message;
    try {
      return JSON.stringify(result, jsonErrorReplacer);
    } catch (_err) {
      result.message = util.format(result.message);
      return JSON.stringify(result);
    }
  }
  result.message = util.format(message, ...params);
  for (const param of params) {
    if (param instanceof Error) {
      result.errorType = param?.constructor?.name ?? 'UnknownError';
      result.errorMessage = param.message;
      result.stackTrace = typeof param.stack === 'string' ? param.stack.split('\n') : [];
      break;
    }
  }
  return JSON.stringify(result);
}

function logger(level) {
  // 3.x never filters console.fatal; 4.x filters every level (FATAL is the highest anyway).
  if (level.priority < MIN_LEVEL.priority) return () => {};
  return (message, ...params) => {
    const now = new Date();
    const time = now.toISOString();
    const text = JSON_FORMAT
      ? formatJson(time, level, message, params)
      : `${time}\t${logContext.requestId()}\t${level.name}\t${util.format(message, ...params)}\n`;
    send({ t: 'log', ts: now.getTime(), message: text });
  };
}

function patchConsole() {
  console.trace = logger(LEVELS.TRACE);
  console.debug = logger(LEVELS.DEBUG);
  console.info = logger(LEVELS.INFO);
  console.warn = logger(LEVELS.WARN);
  console.error = logger(LEVELS.ERROR);
  console.fatal = logger(LEVELS.FATAL);
  console.log = console.info;
}

// Raw writes stay raw (one log event per line), but travel in order with the records above.
function patchStream(stream, fd) {
  stream.write = function write(chunk, encoding, callback) {
    if (typeof encoding === 'function') [callback, encoding] = [encoding, undefined];
    const data = typeof chunk === 'string' ? Buffer.from(chunk, encoding || 'utf8') : chunk;
    send({ t: 'out', fd, ts: Date.now(), data: Buffer.from(data).toString('utf8') });
    if (typeof callback === 'function') process.nextTick(callback);
    return true;
  };
}
patchStream(process.stdout, 1);
patchStream(process.stderr, 2);

// ---- the command channel; unreferenced while an invocation runs, so that `beforeExit` fires
// when the invocation's own work is done (the real runtime has no pending I/O either)
const commands = new net.Socket({ fd: Number(commandFd), readable: true, writable: false });
let pendingInput = '';
commands.setEncoding('utf8');
commands.on('data', (chunk) => {
  pendingInput += chunk;
  let newline;
  while ((newline = pendingInput.indexOf('\n')) >= 0) {
    const line = pendingInput.slice(0, newline);
    pendingInput = pendingInput.slice(newline + 1);
    dispatch(JSON.parse(line));
  }
});
commands.on('end', () => process.exit(0)); // the test process has gone
commands.on('error', () => process.exit(0));

// ---- the Runtime API, as the runtime sees it: next invocation, response, error, init error
let initReported = false;
let waiting = null; // resolves the runtime's pending next()
let queued = null; // an invocation that arrived before the runtime asked for it
let invocation = null; // { requestId, started, exiting } while one runs

function headersOf(message) {
  const headers = {
    'lambda-runtime-aws-request-id': message.requestId,
    'lambda-runtime-deadline-ms': String((message.sentAtMs ?? Date.now()) + message.remainingMs),
    'lambda-runtime-invoked-function-arn': message.invokedFunctionArn,
  };
  if (message.traceId) headers['lambda-runtime-trace-id'] = message.traceId;
  if (message.clientContext != null) {
    headers['lambda-runtime-client-context'] = JSON.stringify(message.clientContext);
  }
  if (message.identity != null) {
    headers['lambda-runtime-cognito-identity'] = JSON.stringify(message.identity);
  }
  if (message.tenantId != null) headers['lambda-runtime-aws-tenant-id'] = message.tenantId;
  return headers;
}

function begin(message) {
  invocation = { requestId: message.requestId, started: performance.now(), exiting: false };
  commands.unref();
  return { bodyJson: message.payload, headers: headersOf(message) };
}

function finish(status, body) {
  if (!invocation) return; // a post for an invocation that has already been answered
  const reply = { t: 'result', status, durationMs: performance.now() - invocation.started };
  if (status === 'success') reply.body = body;
  else reply.error = body;
  const exiting = invocation.exiting;
  if (exiting) reply.exiting = true;
  invocation = null;
  send(reply);
  if (!exiting) commands.ref();
}

const host = {
  appRoot,
  handlerString,
  runtime,
  require: createRequire(RUNTIME_ENTRY),
  // A vm script has no module loader of its own (vm.USE_MAIN_CONTEXT_DEFAULT_LOADER would
  // print an ExperimentalWarning into the function's log): the runtime imports through this.
  import: (specifier) => import(specifier),
  logContext,
  patchConsole,
  next() {
    if (!initReported) {
      initReported = true;
      send({ t: 'init', error: null });
    }
    return new Promise((resolve) => {
      if (queued) {
        const message = queued;
        queued = null;
        resolve(begin(message));
      } else {
        waiting = resolve;
      }
    });
  },
  inFlight: () => invocation !== null,
  done: (_id, body) => finish('success', body),
  error: (_id, body) => finish('failure', body),
  // The runtime is about to end the process after posting (an uncaught exception).
  exiting() {
    if (invocation) invocation.exiting = true;
  },
  initError(body) {
    initReported = true;
    send({ t: 'init', error: body });
  },
};

// Both runtime interface clients install awslambda.streamifyResponse and
// awslambda.HttpResponseStream (src/types/awslambda.d.ts); response streaming is not emulated,
// so invoking a streaming handler fails saying so, instead of with "awslambda is not defined"
// or "streamifyResponse is not a function", which read like a bug in the handler. Wrapping a
// handler is allowed, as there: the module loads, and its buffered handlers run (a module
// failed its whole init because it also exported a streaming one).
function notEmulatedStreaming() {
  if (['true', '1'].includes(process.env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA ?? '')) return;
  const awslambda = (globalThis.awslambda = globalThis.awslambda || {});
  const refuse = (name) => function notEmulated() {
    const error = new Error(`${name} is not emulated by pytest-aws-lambda: response streaming ` +
      'does not run locally (docs/node.md). Test the handler\'s logic through a buffered ' +
      'handler, or deploy to test streaming.');
    Error.captureStackTrace(error, notEmulated); // no frame of this worker in the trace
    throw error;
  };
  if (!awslambda.streamifyResponse) {
    awslambda.streamifyResponse = () => refuse('awslambda.streamifyResponse');
  }
  if (!awslambda.HttpResponseStream) {
    awslambda.HttpResponseStream = { from: refuse('awslambda.HttpResponseStream.from') };
  }
}

let started = false;
function dispatch(message) {
  if (message.cmd === 'init' && !started) {
    started = true;
    const file = path.join(__dirname, LEGACY ? 'runtime3.js' : 'runtime4.js');
    const source = fs.readFileSync(file, 'utf8');
    const start = vm.runInThisContext(source, { filename: RUNTIME_URL })(host);
    notEmulatedStreaming();
    setImmediate(start); // a fresh macrotask: no frame of this worker under the runtime's
  } else if (message.cmd === 'invoke') {
    if (waiting) {
      const resolve = waiting;
      waiting = null;
      // Handed over from a fresh macrotask: the runtime's `await` then resumes with nothing of
      // this worker beneath it on the stack, as on Lambda (the stream's own nextTicks would
      // otherwise leave `processTicksAndRejections` as the bottom frame).
      setImmediate(() => resolve(begin(message)));
    } else {
      queued = message;
    }
  }
}

send({ t: 'ready', pid: process.pid, node: process.version });
