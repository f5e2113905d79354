'use strict';
// The Node.js runtime worker of pytest-aws-lambda: one process per execution environment.
//
// Started by pytest_lambda/runtime/workers/node.py as
//   node worker.js <command fd> <event fd> <handler> <code dir> <runtime>
// with the function's Lambda environment variables. Commands arrive as JSON lines on the
// command fd; logs and results leave as JSON lines on the event fd (written synchronously, so
// nothing is lost when user code ends the process). stdout/stderr belong to the handler.
//
// The semantics follow the Node.js runtime interface client: RIC 3.x for nodejs20.x/22.x
// (callbacks, context.succeed/fail/done, callbackWaitsForEmptyEventLoop through `beforeExit`,
// exactly as the real runtime does it) and the v4 rewrite for nodejs24.x (await only).

const fs = require('fs');
const net = require('net');
const path = require('path');
const util = require('util');
const { createRequire } = require('module');
const { pathToFileURL } = require('url');
const { performance } = require('perf_hooks');

const [commandFd, eventFd, handlerString, appRoot, runtime] = process.argv.slice(2);
// What user code sees on Lambda; it also names the runtime in "Require stack" messages.
const RUNTIME_ENTRY = '/var/runtime/index.mjs';
process.argv = [process.argv[0], RUNTIME_ENTRY];
const runtimeRequire = createRequire(RUNTIME_ENTRY);
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

// ---- errors, as the runtime serialises and logs them
function runtimeErrorClass(name) {
  const cls = class extends Error {};
  Object.defineProperty(cls, 'name', { value: name });
  cls.prototype.name = `Runtime.${name}`;
  return cls;
}
const MalformedHandlerName = runtimeErrorClass('MalformedHandlerName');
const HandlerNotFound = runtimeErrorClass('HandlerNotFound');
const ImportModuleError = runtimeErrorClass('ImportModuleError');
const UserCodeSyntaxError = runtimeErrorClass('UserCodeSyntaxError');
const CallbackHandlerDeprecated = runtimeErrorClass('CallbackHandlerDeprecated');
const JSONStringifyError = runtimeErrorClass('JSONStringifyError');
const NodeJsExit = runtimeErrorClass('NodeJsExit');
class UnhandledPromiseRejection extends Error {
  constructor(reason, promise) {
    super(reason);
    this.reason = reason;
    this.promise = promise;
  }
}
UnhandledPromiseRejection.prototype.name = 'Runtime.UnhandledPromiseRejection';

const NODE_JS_EXIT_MESSAGE = 'The Lambda runtime client detected an unexpected Node.js exit ' +
  'code. This is most commonly caused by a Promise that was never settled. For more ' +
  'information, see https://nodejs.org/docs/latest/api/process.html#exit-codes';
const CALLBACK_DEPRECATED_MESSAGE = 'ERROR: AWS Lambda has removed support for callback-based ' +
  'function handlers starting with Node.js 24. You need to modify this function to use a ' +
  'supported handler signature to use Node.js 24 or later. For more information see ' +
  'https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.';
const CALLBACK_WARNING = 'AWS Lambda plans to remove support for callback-based function ' +
  'handlers starting with Node.js 24. You will need to update this function to use an async ' +
  'handler to use Node.js 24 or later. For more information and to provide feedback on this ' +
  'change, see https://github.com/aws/aws-lambda-nodejs-runtime-interface-client/issues/137. ' +
  'To disable this warning, set the AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING environment ' +
  'variable.';

function isErrorLike(obj) {
  return obj && obj.name && obj.message && obj.stack && typeof obj.name === 'string' &&
    typeof obj.message === 'string' && typeof obj.stack === 'string';
}

// The invoke/init error response body.
function toRapidResponse(error) {
  try {
    if (util.types.isNativeError(error) || isErrorLike(error)) {
      return {
        errorType: error.name?.replaceAll('\x7F', '%7F'),
        errorMessage: error.message?.replaceAll('\x7F', '%7F'),
        trace: error.stack.replaceAll('\x7F', '%7F').split('\n'),
      };
    }
    return { errorType: typeof error, errorMessage: error.toString(), trace: [] };
  } catch (_err) {
    return {
      errorType: 'handled',
      errorMessage: 'callback called with Error argument, but there was a problem while ' +
        'retrieving one or more of its message, name, and stack',
    };
  }
}

function withEnumerableProperties(error) {
  if (error instanceof Error) {
    const ret = Object.assign(
      { errorType: error.name, errorMessage: error.message, code: error.code }, error);
    if (typeof error.stack === 'string') ret.stack = error.stack.split('\n');
    return ret;
  }
  return error;
}

// The error as the runtime logs it: a TAB, then JSON with the enumerable properties.
function toFormatted(error) {
  try {
    return '\t' + JSON.stringify(error, (_k, v) => withEnumerableProperties(v));
  } catch (_err) {
    return '\t' + JSON.stringify(toRapidResponse(error));
  }
}

// ---- console, in Lambda's text or JSON log format; each record is one log event
const LEVELS = { TRACE: 1, DEBUG: 2, INFO: 3, WARN: 4, ERROR: 5, FATAL: 6 };
const JSON_FORMAT = (process.env.AWS_LAMBDA_LOG_FORMAT || '').toUpperCase() === 'JSON';
const MIN_LEVEL = LEVELS[(process.env.AWS_LAMBDA_LOG_LEVEL || '').toUpperCase()] || 1;
let currentRequestId; // undefined until the first invocation, then the last one seen
let currentTenantId;

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
  const result = { timestamp, level, requestId: currentRequestId };
  if (currentTenantId != null) result.tenantId = currentTenantId;
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
  if (LEVELS[level] < MIN_LEVEL) return () => {};
  return (message, ...params) => {
    const now = new Date();
    const time = now.toISOString();
    const text = JSON_FORMAT
      ? formatJson(time, level, message, params)
      : `${time}\t${currentRequestId}\t${level}\t${util.format(message, ...params)}`;
    send({ t: 'log', ts: now.getTime(), message: text + '\n' });
  };
}
console.trace = logger('TRACE');
console.debug = logger('DEBUG');
console.info = logger('INFO');
console.log = logger('INFO');
console.warn = logger('WARN');
console.error = logger('ERROR');
console.fatal = logger('FATAL');

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

// ---- handler loading, as UserFunction.js does it
const FUNCTION_EXPR = /^([^.]*)\.(.*)$/;

function folderHasTypeModule(folder) {
  if (folder.endsWith('/node_modules')) return false;
  const pj = path.join(folder, '/package.json');
  if (fs.existsSync(pj)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(pj));
      if (pkg) return pkg.type === 'module';
    } catch (e) {
      console.warn(`${pj} cannot be read, it will be ignored for ES module detection purposes.`,
        e);
      return false;
    }
  }
  if (folder === '/') return false;
  return folderHasTypeModule(path.resolve(folder, '..'));
}

function hasTypeModule(file) {
  const jsPath = file + '.js';
  return fs.existsSync(jsPath) ? folderHasTypeModule(path.resolve(path.dirname(jsPath))) : false;
}

function tryRequireFile(file, extension) {
  const p = file + (extension || '');
  return fs.existsSync(p) ? runtimeRequire(p) : undefined;
}

async function tryAwaitImport(file, extension) {
  const p = file + (extension || '');
  return fs.existsSync(p) ? import(pathToFileURL(p).href) : undefined;
}

async function tryRequire(moduleRoot, module) {
  const lambdaStylePath = path.resolve(appRoot, moduleRoot, module);
  const extensionless = tryRequireFile(lambdaStylePath);
  if (extensionless) return extensionless;
  const typeModule = hasTypeModule(lambdaStylePath);
  if (!typeModule) {
    const loaded = tryRequireFile(lambdaStylePath, '.js');
    if (loaded) return loaded;
  }
  const loaded = (typeModule && (await tryAwaitImport(lambdaStylePath, '.js'))) ||
    (await tryAwaitImport(lambdaStylePath, '.mjs')) ||
    tryRequireFile(lambdaStylePath, '.cjs');
  if (loaded) return loaded;
  // Not a file: a package, resolved from the task root like the runtime does.
  return runtimeRequire(runtimeRequire.resolve(module, {
    paths: [appRoot, path.resolve(appRoot, moduleRoot)],
  }));
}

async function loadUserApp(moduleRoot, module) {
  try {
    return await tryRequire(moduleRoot, module);
  } catch (e) {
    if (e instanceof SyntaxError) throw new UserCodeSyntaxError(e);
    if (e && (e.code === 'MODULE_NOT_FOUND' || e.code === 'ERR_MODULE_NOT_FOUND')) {
      throw new ImportModuleError(e);
    }
    throw e;
  }
}

function resolveProperty(object, nestedProperty) {
  return nestedProperty.split('.').reduce((nested, key) => nested && nested[key], object);
}

async function loadHandler(fullHandler) {
  if (fullHandler.includes('..')) {
    throw new MalformedHandlerName(`'${fullHandler}' is not a valid handler name. Use absolute ` +
      'paths when specifying root directories in handler names.');
  }
  const handlerPart = path.basename(fullHandler);
  const moduleRoot = fullHandler.substring(0, fullHandler.indexOf(handlerPart));
  const match = handlerPart.match(FUNCTION_EXPR);
  if (!match || match.length !== 3) throw new MalformedHandlerName('Bad handler');
  const [, module, handlerPath] = match;
  const app = await loadUserApp(moduleRoot, module);
  let fn = resolveProperty(app, handlerPath);
  if (fn === undefined && util.types.isModuleNamespaceObject(app) && app.default != null) {
    fn = resolveProperty(app.default, handlerPath);
  }
  if (!fn) throw new HandlerNotFound(`${fullHandler} is undefined or not exported`);
  if (typeof fn !== 'function') throw new HandlerNotFound(`${fullHandler} is not a function`);
  return fn;
}

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

let phase = 'idle'; // 'init' | 'invoke' | 'idle'
let handler;
let isAsync = false;
let invocation; // { finish(kind, value) } while an invocation runs
let beforeExitAction = null;

process.on('beforeExit', () => {
  const action = beforeExitAction;
  beforeExitAction = null;
  if (action) action();
});

function fatal(error, code) {
  if (phase === 'init') {
    send({ t: 'init', error: toRapidResponse(error) });
  } else if (invocation) {
    invocation.finish('failure', toRapidResponse(error), true);
  }
  process.exit(code);
}

process.on('uncaughtException', (error) => {
  console.error('Uncaught Exception', toFormatted(error));
  fatal(error, 129);
});

process.on('unhandledRejection', (reason, promise) => {
  const error = new UnhandledPromiseRejection(reason?.toString(), promise);
  console.error('Unhandled Promise Rejection', toFormatted(error));
  fatal(error, 128);
});

function dispatch(message) {
  if (message.cmd === 'init') init();
  else if (message.cmd === 'invoke') invoke(message);
}

async function init() {
  phase = 'init';
  try {
    const fn = await loadHandler(handlerString);
    if (!LEGACY && fn.length >= 3) {
      throw new CallbackHandlerDeprecated(CALLBACK_DEPRECATED_MESSAGE);
    }
    isAsync = fn.constructor.name === 'AsyncFunction';
    if (LEGACY && fn.length === 3 && !isAsync &&
        process.env.AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING === undefined) {
      console.warn(CALLBACK_WARNING);
    }
    handler = fn;
    phase = 'idle';
    send({ t: 'init', error: null });
  } catch (error) {
    // The runtime reports a failed load as an uncaught exception and exits.
    console.error('Uncaught Exception', toFormatted(error));
    send({ t: 'init', error: toRapidResponse(error) });
    process.exit(129);
  }
}

function isPromise(obj) {
  return obj && obj.then && typeof obj.then === 'function';
}

function serialise(result, ErrorClass) {
  let body;
  try {
    body = JSON.stringify(result === undefined ? null : result);
  } catch (_err) {
    throw new ErrorClass('Unable to stringify response body');
  }
  return body === undefined ? 'null' : body;
}

function startInvocation(message) {
  currentRequestId = message.requestId;
  currentTenantId = message.tenantId ?? undefined;
  if (message.traceId) process.env._X_AMZN_TRACE_ID = message.traceId;
  else delete process.env._X_AMZN_TRACE_ID;
  const started = performance.now();
  phase = 'invoke';
  commands.unref();
  const state = { done: false };
  invocation = {
    finish(status, value, exiting) {
      if (state.done) return;
      state.done = true;
      invocation = undefined;
      beforeExitAction = null;
      phase = 'idle';
      const reply = { t: 'result', status, durationMs: performance.now() - started };
      if (status === 'success') reply.body = value;
      else reply.error = value;
      if (exiting) reply.exiting = true;
      send(reply);
      commands.ref();
    },
  };
  const deadline = Date.now() + message.remainingMs;
  const data = {
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: message.invokedFunctionArn,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: message.requestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    identity: message.identity ?? undefined,
    clientContext: message.clientContext ?? undefined,
    getRemainingTimeInMillis() {
      return deadline - Date.now();
    },
  };
  if (message.tenantId != null) data.tenantId = message.tenantId;
  return data;
}

function invoke(message) {
  const data = startInvocation(message);
  if (LEGACY) invokeLegacy(message, data);
  else invokeAwait(message, data);
}

// nodejs20.x / nodejs22.x: RIC 3.x CallbackContext and Runtime.handleOnce.
function invokeLegacy(message, data) {
  const current = invocation;
  let waitForEmptyEventLoop = true;
  const postResponse = (result) => {
    current.finish('success', serialise(result, Error));
  };
  const postError = (err) => {
    console.error('Invoke Error', toFormatted(err instanceof Error ? err : new Error(err)));
    current.finish('failure', toRapidResponse(err));
  };
  const callback = (err, result) => {
    beforeExitAction = null;
    if (err !== undefined && err !== null) {
      postError(err);
    } else if (!waitForEmptyEventLoop) {
      postResponse(result);
    } else {
      beforeExitAction = () => setImmediate(() => postResponse(result));
    }
  };
  const done = (err, result) => {
    beforeExitAction = null;
    if (err !== undefined && err !== null) postError(err);
    else postResponse(result);
  };
  let finished = false;
  const firstCallOnly = (fn) => function (...args) {
    if (!finished) {
      fn(...args);
      finished = true;
    }
  };
  const context = {
    get callbackWaitsForEmptyEventLoop() {
      return waitForEmptyEventLoop;
    },
    set callbackWaitsForEmptyEventLoop(value) {
      waitForEmptyEventLoop = value;
    },
    succeed: firstCallOnly((result) => done(null, result)),
    fail: firstCallOnly((err) => done(err === undefined || err === null ? 'handled' : err)),
    done: firstCallOnly(done),
  };
  Object.assign(context, data);
  const wrappedCallback = firstCallOnly(callback);
  beforeExitAction = () => {
    finished = true;
    if (isAsync) current.finish('failure', toRapidResponse(new NodeJsExit(NODE_JS_EXIT_MESSAGE)));
    else postResponse(null);
  };
  try {
    const result = handler(JSON.parse(message.payload), context, wrappedCallback);
    if (isPromise(result)) {
      result.then(context.succeed, context.fail).catch(context.fail);
    }
  } catch (err) {
    wrappedCallback(err);
  }
}

// nodejs24.x: the v4 runtime awaits the handler; no callback, no event-loop wait.
async function invokeAwait(message, data) {
  const current = invocation;
  data.xRayTraceId = message.traceId || undefined;
  beforeExitAction = () => {
    current.finish('failure', toRapidResponse(new NodeJsExit(NODE_JS_EXIT_MESSAGE)));
  };
  let body;
  try {
    const result = await handler(JSON.parse(message.payload), data);
    body = serialise(result, JSONStringifyError);
  } catch (err) {
    console.error('Invoke Error', toFormatted(err instanceof Error ? err : new Error(err)));
    current.finish('failure', toRapidResponse(err));
    return;
  }
  current.finish('success', body);
}

send({ t: 'ready', pid: process.pid, node: process.version });
