// The Node.js runtime of nodejs24.x (runtime interface client 4.x), as run by
// pytest-aws-lambda's worker (worker.js). Not a module: worker.js compiles this script under
// the name Lambda's runtime has, file:///var/runtime/index.mjs, and calls the function it
// evaluates to with the worker's host object (the Runtime API and the console).
//
// The functions, classes and their awaits are laid out like the bundle aws-lambda-ric 4.0.2
// ships, because their names and async structure are what V8 prints in stack traces: a user's
// error ends in `at BufferedInvokeProcessor.processInvoke`, …, `at async ignition`, an init
// error in `at async UserFunctionLoader.load`, `at async createRuntime`, as on Lambda.
//
// Like the real client, this runtime installs no uncaughtException/unhandledRejection
// listener: a failed init is logged ("Init Error", request id "-"), posted, and rethrown, so
// Node prints its crash report and exits; an uncaught exception ends the process.
(function (host) {
  'use strict';
  const cjsRequire = host.require;
  const path = cjsRequire('node:path');
  const { existsSync } = cjsRequire('node:fs');

  // ---- @aws/lambda-invoke-store: the request id the console shows ("-" outside a request)
  const PROTECTED_KEYS = {
    REQUEST_ID: Symbol.for('_AWS_LAMBDA_REQUEST_ID'),
    X_RAY_TRACE_ID: Symbol.for('_AWS_LAMBDA_X_RAY_TRACE_ID'),
    TENANT_ID: Symbol.for('_AWS_LAMBDA_TENANT_ID'),
  };
  const NO_GLOBAL_AWS_LAMBDA = ['true', '1'].includes(
    process.env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA ?? '');
  if (!NO_GLOBAL_AWS_LAMBDA) globalThis.awslambda = globalThis.awslambda || {};
  var InvokeStoreBase = class {
    static PROTECTED_KEYS = PROTECTED_KEYS;
    isProtectedKey(key) {
      return Object.values(PROTECTED_KEYS).includes(key);
    }
    getRequestId() {
      return this.get(PROTECTED_KEYS.REQUEST_ID) ?? '-';
    }
    getXRayTraceId() {
      return this.get(PROTECTED_KEYS.X_RAY_TRACE_ID);
    }
    getTenantId() {
      return this.get(PROTECTED_KEYS.TENANT_ID);
    }
  };
  var InvokeStoreSingle = class extends InvokeStoreBase {
    currentContext;
    getContext() {
      return this.currentContext;
    }
    hasContext() {
      return this.currentContext !== undefined;
    }
    get(key) {
      return this.currentContext?.[key];
    }
    set(key, value) {
      if (this.isProtectedKey(key)) {
        throw new Error(`Cannot modify protected Lambda context field: ${String(key)}`);
      }
      this.currentContext = this.currentContext || {};
      this.currentContext[key] = value;
    }
    run(context, fn) {
      this.currentContext = context;
      return fn();
    }
  };
  let storeInstance = null;
  const InvokeStore = {
    async getInstanceAsync() {
      if (!storeInstance) {
        storeInstance = (async () => {
          const created = new InvokeStoreSingle();
          if (!NO_GLOBAL_AWS_LAMBDA && globalThis.awslambda?.InvokeStore) {
            return globalThis.awslambda.InvokeStore;
          }
          if (!NO_GLOBAL_AWS_LAMBDA && globalThis.awslambda) {
            globalThis.awslambda.InvokeStore = created;
          }
          return created;
        })();
      }
      return storeInstance;
    },
  };

  // ---- utils/errors
  var HandlerNotFoundError = class extends Error {
    constructor(message) {
      super(message);
      this.name = 'Runtime.HandlerNotFound';
    }
  };
  var MalformedHandlerNameError = class extends Error {
    constructor(message) {
      super(message);
      this.name = 'Runtime.MalformedHandlerName';
    }
  };
  var ImportModuleError = class extends Error {
    constructor(originalError) {
      super(String(originalError));
      this.name = 'Runtime.ImportModuleError';
    }
  };
  var UserCodeSyntaxError = class extends Error {
    constructor(originalError) {
      super(String(originalError));
      this.name = 'Runtime.UserCodeSyntaxError';
      this.stack = originalError.stack;
    }
  };
  var MalformedStreamingHandler = class extends Error {
    constructor(message) {
      super(message);
      this.name = 'Runtime.MalformedStreamingHandler';
    }
  };
  var JSONStringifyError = class extends Error {
    constructor(message = 'Unable to stringify response body') {
      super(message);
      this.name = 'Runtime.JSONStringifyError';
    }
  };
  var PlatformError = class extends Error {
    constructor(message) {
      super(message);
      this.name = 'Runtime.PlatformError';
    }
  };
  var CallbackHandlerDeprecatedError = class extends Error {
    constructor(message) {
      super(message);
      this.name = 'Runtime.CallbackHandlerDeprecated';
    }
  };
  // Not in 4.0.2 (whose process just ends when the event loop empties): pytest-aws-lambda's
  // documented choice for a handler promise that never settles.
  var NodeJsExitError = class extends Error {
    constructor(message) {
      super(message);
      this.name = 'Runtime.NodeJsExit';
    }
  };
  const NODE_JS_EXIT_MESSAGE = 'The Lambda runtime client detected an unexpected Node.js ' +
    'exit code. This is most commonly caused by a Promise that was never settled. For more ' +
    'information, see https://nodejs.org/docs/latest/api/process.html#exit-codes';

  // ---- context/constants
  const REQUIRED_INVOKE_HEADERS = {
    FUNCTION_ARN: 'lambda-runtime-invoked-function-arn',
    REQUEST_ID: 'lambda-runtime-aws-request-id',
    DEADLINE_MS: 'lambda-runtime-deadline-ms',
  };
  const OPTIONAL_INVOKE_HEADERS = {
    CLIENT_CONTEXT: 'lambda-runtime-client-context',
    COGNITO_IDENTITY: 'lambda-runtime-cognito-identity',
    X_RAY_TRACE_ID: 'lambda-runtime-trace-id',
    TENANT_ID: 'lambda-runtime-aws-tenant-id',
  };
  const REQUIRED_ENV_VARS = ['AWS_LAMBDA_FUNCTION_NAME', 'AWS_LAMBDA_FUNCTION_VERSION',
    'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_LOG_GROUP_NAME', 'AWS_LAMBDA_LOG_STREAM_NAME'];
  const CALLBACK_ERROR_NODEJS22 = 'ERROR: AWS Lambda does not support callback-based function ' +
    'handlers when using Node.js 22 with Managed Instances. To use Managed Instances, modify ' +
    'this function to use a supported handler signature. For more information see ' +
    'https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.';
  const CALLBACK_ERROR_NODEJS24_ABOVE = 'ERROR: AWS Lambda has removed support for ' +
    'callback-based function handlers starting with Node.js 24. You need to modify this ' +
    'function to use a supported handler signature to use Node.js 24 or later. For more ' +
    'information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.';

  // ---- context/context-builder
  function moveXRayHeaderToEnv(headers) {
    if (headers[OPTIONAL_INVOKE_HEADERS.X_RAY_TRACE_ID]) {
      process.env._X_AMZN_TRACE_ID = headers[OPTIONAL_INVOKE_HEADERS.X_RAY_TRACE_ID];
    } else {
      delete process.env._X_AMZN_TRACE_ID;
    }
  }
  var ContextBuilder = class {
    static build(headers) {
      this.validateEnvironment();
      const invokeHeaders = this.validateAndNormalizeHeaders(headers);
      const headerData = this.getHeaderData(invokeHeaders);
      const environmentData = this.getEnvironmentData();
      moveXRayHeaderToEnv(invokeHeaders);
      return Object.assign(headerData, environmentData);
    }
    static getEnvironmentData() {
      return {
        functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
        functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
        memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
        logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
        logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
      };
    }
    static getHeaderData(invokeHeaders) {
      const deadline = this.parseDeadline(invokeHeaders);
      return {
        clientContext: this.parseJsonHeader(
          invokeHeaders[OPTIONAL_INVOKE_HEADERS.CLIENT_CONTEXT],
          OPTIONAL_INVOKE_HEADERS.CLIENT_CONTEXT),
        identity: this.parseJsonHeader(
          invokeHeaders[OPTIONAL_INVOKE_HEADERS.COGNITO_IDENTITY],
          OPTIONAL_INVOKE_HEADERS.COGNITO_IDENTITY),
        invokedFunctionArn: invokeHeaders[REQUIRED_INVOKE_HEADERS.FUNCTION_ARN],
        awsRequestId: invokeHeaders[REQUIRED_INVOKE_HEADERS.REQUEST_ID],
        tenantId: invokeHeaders[OPTIONAL_INVOKE_HEADERS.TENANT_ID],
        xRayTraceId: invokeHeaders[OPTIONAL_INVOKE_HEADERS.X_RAY_TRACE_ID],
        getRemainingTimeInMillis: function () {
          return deadline - Date.now();
        },
      };
    }
    static parseDeadline(invokeHeaders) {
      const deadline = parseInt(invokeHeaders[REQUIRED_INVOKE_HEADERS.DEADLINE_MS], 10);
      if (isNaN(deadline)) throw new PlatformError('Invalid deadline timestamp');
      return deadline;
    }
    static validateEnvironment() {
      const missing = REQUIRED_ENV_VARS.filter((name) => !process.env[name]);
      if (missing.length > 0) {
        throw new PlatformError(`Missing required environment variables: ${missing.join(', ')}`);
      }
    }
    static validateAndNormalizeHeaders(headers) {
      const normalized = Object.fromEntries(
        Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
      const missing = Object.values(REQUIRED_INVOKE_HEADERS).filter((key) => !(key in normalized));
      if (missing.length > 0) {
        throw new PlatformError(`Missing required headers: ${missing.join(', ')}`);
      }
      const result = {};
      for (const key of Object.values(REQUIRED_INVOKE_HEADERS)) result[key] = normalized[key];
      for (const key of Object.values(OPTIONAL_INVOKE_HEADERS)) {
        if (key in normalized) result[key] = normalized[key];
      }
      return result;
    }
    static parseJsonHeader(headerValue, headerName) {
      if (!headerValue) return undefined;
      try {
        return JSON.parse(headerValue);
      } catch (error) {
        throw new PlatformError(`Failed to parse ${headerName} as JSON: ${error.message}`);
      }
    }
  };

  // ---- utils/serialize, utils/error
  function serializeToJSON(value) {
    try {
      return JSON.stringify(value === undefined ? null : value);
    } catch {
      throw new JSONStringifyError('Unable to stringify response body');
    }
  }
  function formatError(error) {
    try {
      if (error instanceof Error) {
        return {
          errorType: error.name?.replaceAll('\x7F', '%7F'),
          errorMessage: error.message?.replaceAll('\x7F', '%7F'),
          trace: error.stack?.replaceAll('\x7F', '%7F').split('\n') || [],
        };
      }
      return { errorType: typeof error, errorMessage: String(error), trace: [] };
    } catch {
      return {
        errorType: 'handled',
        errorMessage: 'callback called with Error argument, but there was a problem while ' +
          'retrieving one or more of its message, name, and stack',
        trace: [],
      };
    }
  }
  function intoError(err) {
    if (err instanceof Error) return err;
    return new Error(String(err));
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
  function toFormatted(error) {
    try {
      return '\t' + JSON.stringify(error, (_k, v) => withEnumerableProperties(v));
    } catch {
      return '\t' + JSON.stringify(formatError(error));
    }
  }

  // ---- utils/handler-path, function/*
  const FUNCTION_EXPR = /^([^.]*)\.(.*)$/;
  function parseHandlerString(fullHandlerString) {
    const handlerString = path.basename(fullHandlerString);
    const moduleRoot = fullHandlerString.substring(0, fullHandlerString.indexOf(handlerString));
    const match = handlerString.match(FUNCTION_EXPR);
    if (!match || match.length !== 3) throw new MalformedHandlerNameError('Bad handler');
    return { moduleRoot: moduleRoot.replace(/\/$/, ''), moduleName: match[1],
      handlerName: match[2] };
  }
  var UserFunctionLoader = class {
    static HANDLER_STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
    static STREAM_RESPONSE = 'response';
    static RELATIVE_PATH_SUBSTRING = '..';
    static async load(appRoot, handlerString) {
      this.validateHandlerString(handlerString);
      const { moduleRoot, moduleName, handlerName } = parseHandlerString(handlerString);
      const module = await loadModule({ appRoot, moduleRoot, moduleName });
      const handler = resolveHandler(module, handlerName, handlerString);
      return { handler, metadata: this.getHandlerMetadata(handler) };
    }
    static getHandlerMetadata(handler) {
      return { streaming: this.isHandlerStreaming(handler), argsNum: handler.length };
    }
    static isHandlerStreaming(handler) {
      const streamingValue = handler[this.HANDLER_STREAMING];
      if (!streamingValue) return false;
      if (streamingValue === this.STREAM_RESPONSE) return true;
      throw new MalformedStreamingHandler('Only response streaming is supported.');
    }
    static validateHandlerString(handlerString) {
      if (handlerString.includes(this.RELATIVE_PATH_SUBSTRING)) {
        throw new MalformedHandlerNameError(`'${handlerString}' is not a valid handler name. ` +
          'Use absolute paths when specifying root directories in handler names.');
      }
    }
  };
  async function tryAwaitImport(file, extension) {
    const path3 = `${file}${extension || ''}`;
    return existsSync(path3)
      ? await host.import(path3) : undefined;
  }
  async function loadModule(options) {
    const fullPathWithoutExtension = path.resolve(
      options.appRoot, options.moduleRoot, options.moduleName);
    try {
      for (const extension of ['', '.js', '.mjs', '.cjs']) {
        const module = await tryAwaitImport(fullPathWithoutExtension, extension);
        if (module) return module;
      }
      const resolvedPath = cjsRequire.resolve(options.moduleName, {
        paths: [options.appRoot, path.join(options.appRoot, options.moduleRoot)],
      });
      return cjsRequire(resolvedPath);
    } catch (err) {
      if (err instanceof SyntaxError) throw new UserCodeSyntaxError(err);
      if (err instanceof Error && err.code === 'MODULE_NOT_FOUND') {
        throw new ImportModuleError(err);
      }
      throw err;
    }
  }
  function findIn(handlerName, module) {
    return handlerName.split('.').reduce(
      (nested, key) => (nested && typeof nested === 'object' ? nested[key] : undefined), module);
  }
  function resolveHandler(module, handlerName, fullHandlerString) {
    let handler = findIn(handlerName, module);
    if (!handler && typeof module === 'object' && module !== null && 'default' in module) {
      handler = findIn(handlerName, module.default);
    }
    if (!handler) {
      throw new HandlerNotFoundError(`${fullHandlerString} is undefined or not exported`);
    }
    if (typeof handler !== 'function') {
      throw new HandlerNotFoundError(`${fullHandlerString} is not a function`);
    }
    return handler;
  }
  function errorOnDeprecatedCallback(metadata) {
    if ((metadata?.argsNum ?? 0) >= 3 && !metadata?.streaming) {
      throw new CallbackHandlerDeprecatedError(
        process.env.AWS_EXECUTION_ENV === 'AWS_Lambda_nodejs22.x'
          ? CALLBACK_ERROR_NODEJS22 : CALLBACK_ERROR_NODEJS24_ABOVE);
    }
  }

  // ---- client/rapid-client: the worker's host stands in for the Runtime API
  var RAPIDClient = class _RAPIDClient {
    static async create() {
      return new _RAPIDClient();
    }
    async nextInvocation() {
      return host.next();
    }
    postInvocationResponse(response, id) {
      const bodyString = serializeToJSON(response);
      host.done(id, bodyString);
    }
    postInvocationError(error, id) {
      const errorResponse = formatError(error);
      const bodyString = serializeToJSON(errorResponse);
      host.error(id, bodyString);
    }
    async postInitError(error) {
      const response = formatError(error);
      await this.post('/2018-06-01/runtime/init/error', response);
    }
    async post(_path, body) {
      const bodyString = serializeToJSON(body);
      host.initError(bodyString);
    }
  };

  // ---- logging/log-patch: the console itself is the worker's
  var LogPatch = class _LogPatch {
    static options;
    static async patchConsole() {
      const options = {
        format: (process.env.AWS_LAMBDA_LOG_FORMAT || '').toUpperCase() === 'JSON'
          ? 'JSON' : 'TEXT',
      };
      const invokeStore = await InvokeStore.getInstanceAsync();
      host.logContext.requestId = () => invokeStore.getRequestId();
      host.logContext.tenantId = () => invokeStore.getTenantId() || '';
      host.patchConsole();
      this.options = options;
    }
    static structuredConsole = {
      logError(msg, err) {
        const errorLogger = _LogPatch.options?.format === 'JSON'
          ? _LogPatch.jsonErrorLogger : _LogPatch.textErrorLogger;
        errorLogger(msg, err);
      },
    };
    static jsonErrorLogger = (_, err) => {
      console.error(intoError(err));
    };
    static textErrorLogger = (msg, err) => {
      console.error(msg, toFormatted(intoError(err)));
    };
  };
  const { structuredConsole } = LogPatch;

  // ---- runtime/*
  var LifecycleManager = class _LifecycleManager {
    client;
    static create(rapidClient) {
      return new _LifecycleManager(rapidClient);
    }
    constructor(client) {
      this.client = client;
    }
    async fail(requestId, error) {
      await new Promise((resolve) => setImmediate(resolve));
      structuredConsole.logError('Invoke Error', error);
      this.client.postInvocationError(error, requestId);
    }
    async succeed(requestId, result) {
      await new Promise((resolve) => setImmediate(resolve));
      this.client.postInvocationResponse(result, requestId);
    }
    async next() {
      const invocationRequest = await this.client.nextInvocation();
      const context = ContextBuilder.build(invocationRequest.headers);
      const event = JSON.parse(invocationRequest.bodyJson);
      return { context, event };
    }
  };
  var BufferedInvokeProcessor = class {
    handler;
    lifecycle;
    constructor(handler, lifecycle) {
      this.handler = handler;
      this.lifecycle = lifecycle;
    }
    async processInvoke(context, event) {
      try {
        const result = await this.handler(event, context);
        await this.lifecycle.succeed(context.awsRequestId, result);
      } catch (err) {
        await this.lifecycle.fail(context.awsRequestId, err);
      }
    }
  };
  var Runtime = class _Runtime {
    handler;
    lifecycle;
    static create({ rapidClient, handler }) {
      return new _Runtime(handler, LifecycleManager.create(rapidClient));
    }
    constructor(handler, lifecycle) {
      this.handler = handler;
      this.lifecycle = lifecycle;
    }
    async start() {
      const processor = new BufferedInvokeProcessor(this.handler, this.lifecycle);
      await this.processSingleConcurrent(processor);
    }
    async processSingleConcurrent(processor) {
      while (true) {
        const { context, event } = await this.lifecycle.next();
        await this.runWithInvokeContext(context.awsRequestId, context.xRayTraceId,
          () => processor.processInvoke(context, event));
      }
    }
    async runWithInvokeContext(requestId, xRayTraceId, fn) {
      const invokeStore = await InvokeStore.getInstanceAsync();
      return invokeStore.run({
        [PROTECTED_KEYS.REQUEST_ID]: requestId,
        [PROTECTED_KEYS.X_RAY_TRACE_ID]: xRayTraceId,
      }, fn);
    }
  };

  // ---- utils/runtime-setup, worker/ignition
  async function createRuntime() {
    await LogPatch.patchConsole();
    const rapidClient = await RAPIDClient.create();
    try {
      const { handler, metadata: handlerMetadata } =
        await UserFunctionLoader.load(host.appRoot, host.handlerString);
      errorOnDeprecatedCallback(handlerMetadata);
      return Runtime.create({ rapidClient, handler });
    } catch (error) {
      structuredConsole.logError('Init Error', error);
      await rapidClient.postInitError(error);
      throw error;
    }
  }
  async function ignition() {
    const runtime = await createRuntime();
    await runtime.start();
  }

  // A handler promise that never settles: the event loop empties during the invocation, and
  // the runtime reports it and exits (the environment is not reused).
  process.on('beforeExit', () => {
    if (host.inFlight()) {
      host.exiting();
      host.error(undefined, serializeToJSON(formatError(
        new NodeJsExitError(NODE_JS_EXIT_MESSAGE))));
    }
  });

  return function start() {
    Promise.resolve().then(() => {
      ignition();
    });
  };
});
