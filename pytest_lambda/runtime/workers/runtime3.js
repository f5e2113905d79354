// The Node.js runtime of nodejs20.x / nodejs22.x (runtime interface client 3.x), as run by
// pytest-aws-lambda's worker (worker.js). Not a module: worker.js compiles this script under
// the name Lambda's runtime has, file:///var/runtime/index.mjs, and calls the function it
// evaluates to with the worker's host object (the Runtime API and the console).
//
// The functions, classes and their awaits are laid out like the bundle aws-lambda-ric 3.3.0
// ships (Errors.js, LogPatch.js, InvokeContext.js, CallbackContext.js, UserFunction.js,
// Runtime.js), because their names and their async structure are what V8 prints in stack
// traces: a user's error ends in `at Runtime.handleOnceNonStreaming (file:///var/runtime/
// index.mjs:…)`, an init error in `at _tryRequire`, `at async run`, as on Lambda.
(function (host) {
  'use strict';
  const util = host.require('util');
  const path = host.require('path');
  const fs = host.require('fs');
  const assert = host.require('assert').strict;
  const __require = host.require;

  // ---- Errors.js
  function _isError(obj) {
    return obj && obj.name && obj.message && obj.stack && typeof obj.name === 'string' &&
      typeof obj.message === 'string' && typeof obj.stack === 'string';
  }
  function intoError(err) {
    if (err instanceof Error) return err;
    return new Error(err);
  }
  function toRapidResponse(error) {
    try {
      if (util.types.isNativeError(error) || _isError(error)) {
        return {
          errorType: error.name?.replace(/\x7F/g, '%7F'),
          errorMessage: error.message?.replace(/\x7F/g, '%7F'),
          trace: error.stack.replace(/\x7F/g, '%7F').split('\n'),
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
  function _withEnumerableProperties(error) {
    if (error instanceof Error) {
      const ret = Object.assign(
        { errorType: error.name, errorMessage: error.message, code: error.code }, error);
      if (typeof error.stack == 'string') ret.stack = error.stack.split('\n');
      return ret;
    }
    return error;
  }
  const Errors = {
    intoError,
    toRapidResponse,
    toFormatted: (error) => {
      try {
        return '\t' + JSON.stringify(error, (_k, v) => _withEnumerableProperties(v));
      } catch (_err) {
        return '\t' + JSON.stringify(toRapidResponse(error));
      }
    },
  };
  const errorClasses = [
    class ImportModuleError extends Error {},
    class HandlerNotFound extends Error {},
    class MalformedHandlerName extends Error {},
    class UserCodeSyntaxError extends Error {},
    class UnhandledPromiseRejection extends Error {
      constructor(reason, promise) {
        super(reason);
        this.reason = reason;
        this.promise = promise;
      }
    },
    // Not in 3.3.0: the runtime interface client's main branch reports an async handler
    // whose promise never settles this way (pytest-aws-lambda's documented choice).
    class NodeJsExit extends Error {},
  ];
  for (const e of errorClasses) {
    Errors[e.name] = e;
    e.prototype.name = `Runtime.${e.name}`;
  }
  const NODE_JS_EXIT_MESSAGE = 'The Lambda runtime client detected an unexpected Node.js ' +
    'exit code. This is most commonly caused by a Promise that was never settled. For more ' +
    'information, see https://nodejs.org/docs/latest/api/process.html#exit-codes';

  // ---- LogPatch.js: the console itself is the worker's; the runtime owns the context
  const REQUEST_ID_SYMBOL = Symbol.for('aws.lambda.runtime.requestId');
  const TENANT_ID_SYMBOL = Symbol.for('aws.lambda.runtime.tenantId');
  const structuredConsole = {};
  const LogPatch = {
    setCurrentRequestId: (id) => (global[REQUEST_ID_SYMBOL] = id),
    setCurrentTenantId: (id) => (global[TENANT_ID_SYMBOL] = id),
    patchConsole: () => {
      host.logContext.requestId = () => global[REQUEST_ID_SYMBOL];
      host.logContext.tenantId = () => global[TENANT_ID_SYMBOL];
      host.patchConsole();
      const json = (process.env.AWS_LAMBDA_LOG_FORMAT || '').toUpperCase() === 'JSON';
      let jsonErrorLogger = (_, err) => {
          console.error(Errors.intoError(err));
        },
        textErrorLogger = (msg, err) => {
          console.error(msg, Errors.toFormatted(Errors.intoError(err)));
        };
      structuredConsole.logError = json ? jsonErrorLogger : textErrorLogger;
    },
    structuredConsole,
  };

  // ---- InvokeContext.js
  const INVOKE_HEADER = {
    ClientContext: 'lambda-runtime-client-context',
    CognitoIdentity: 'lambda-runtime-cognito-identity',
    ARN: 'lambda-runtime-invoked-function-arn',
    AWSRequestId: 'lambda-runtime-aws-request-id',
    DeadlineMs: 'lambda-runtime-deadline-ms',
    XRayTrace: 'lambda-runtime-trace-id',
    TenantId: 'lambda-runtime-aws-tenant-id',
  };
  function _parseJson(jsonString, name) {
    if (jsonString === undefined) return undefined;
    try {
      return JSON.parse(jsonString);
    } catch (err) {
      throw new Error(`Cannot parse ${name} as json: ${err.toString()}`);
    }
  }
  function _enforceLowercaseKeys(original) {
    return Object.keys(original).reduce((enforced, key) => {
      enforced[key.toLowerCase()] = original[key];
      return enforced;
    }, {});
  }
  class InvokeContext {
    constructor(headers) {
      this.headers = _enforceLowercaseKeys(headers);
    }
    get invokeId() {
      const id = this.headers[INVOKE_HEADER.AWSRequestId];
      assert.ok(id, 'invocation id is missing or invalid');
      return id;
    }
    get tenantId() {
      return this.headers[INVOKE_HEADER.TenantId];
    }
    updateLoggingContext() {
      LogPatch.setCurrentRequestId(this.invokeId);
      LogPatch.setCurrentTenantId(this.tenantId);
    }
    attachEnvironmentData(callbackContext) {
      this._forwardXRay();
      return Object.assign(callbackContext, this._environmentalData(), this._headerData());
    }
    _environmentalData() {
      return {
        functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
        functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
        memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
        logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
        logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
      };
    }
    _headerData() {
      const deadline = this.headers[INVOKE_HEADER.DeadlineMs];
      return {
        clientContext: _parseJson(this.headers[INVOKE_HEADER.ClientContext], 'ClientContext'),
        identity: _parseJson(this.headers[INVOKE_HEADER.CognitoIdentity], 'CognitoIdentity'),
        invokedFunctionArn: this.headers[INVOKE_HEADER.ARN],
        awsRequestId: this.headers[INVOKE_HEADER.AWSRequestId],
        tenantId: this.headers[INVOKE_HEADER.TenantId],
        getRemainingTimeInMillis: function () {
          return deadline - Date.now();
        },
      };
    }
    _forwardXRay() {
      if (this.headers[INVOKE_HEADER.XRayTrace]) {
        process.env._X_AMZN_TRACE_ID = this.headers[INVOKE_HEADER.XRayTrace];
      } else {
        delete process.env._X_AMZN_TRACE_ID;
      }
    }
  }

  // ---- RAPIDClient.js: the worker's host stands in for the Runtime API
  function _trySerializeResponse(body) {
    try {
      return JSON.stringify(body === undefined ? null : body);
    } catch (err) {
      throw new Error('Unable to stringify response body');
    }
  }
  class RAPIDClient {
    postInvocationResponse(response, id, callback) {
      const bodyString = _trySerializeResponse(response);
      host.done(id, bodyString);
      callback();
    }
    postInitError(error, callback) {
      const response = Errors.toRapidResponse(error);
      host.initError(_trySerializeResponse(response));
      callback();
    }
    postInvocationError(error, id, callback) {
      const response = Errors.toRapidResponse(error);
      const bodyString = _trySerializeResponse(response);
      host.error(id, bodyString);
      callback();
    }
    async nextInvocation() {
      return host.next();
    }
  }

  // ---- BeforeExitListener.js
  const LISTENER_SYMBOL = Symbol.for('aws.lambda.beforeExit');
  const NO_OP_LISTENER = () => {};
  const BeforeExitListener = {
    invoke: () => global[LISTENER_SYMBOL](),
    reset: () => (global[LISTENER_SYMBOL] = NO_OP_LISTENER),
    set: (listener) => (global[LISTENER_SYMBOL] = listener),
  };

  // ---- CallbackContext.js
  function _rawCallbackContext(client, id, scheduleNext) {
    const postError = (err, callback) => {
      structuredConsole.logError('Invoke Error', err);
      client.postInvocationError(err, id, callback);
    };
    let isCompleteInvoked = false;
    const complete = (result, callback) => {
      if (isCompleteInvoked) {
        console.error('Invocation has already been reported as done. Cannot call complete ' +
          'more than once per invocation.');
        return;
      }
      isCompleteInvoked = true;
      client.postInvocationResponse(result, id, callback);
    };
    let waitForEmptyEventLoop = true;
    const callback = function (err, result) {
      BeforeExitListener.reset();
      if (err !== undefined && err !== null) {
        postError(err, scheduleNext);
      } else if (!waitForEmptyEventLoop) {
        complete(result, scheduleNext);
      } else {
        BeforeExitListener.set(() => {
          setImmediate(() => {
            complete(result, scheduleNext);
          });
        });
      }
    };
    const done = (err, result) => {
      BeforeExitListener.reset();
      if (err !== undefined && err !== null) postError(err, scheduleNext);
      else complete(result, scheduleNext);
    };
    const succeed = (result) => {
      done(null, result);
    };
    const fail = (err) => {
      if (err === undefined || err === null) done('handled');
      else done(err, null);
    };
    const callbackContext = {
      get callbackWaitsForEmptyEventLoop() {
        return waitForEmptyEventLoop;
      },
      set callbackWaitsForEmptyEventLoop(value) {
        waitForEmptyEventLoop = value;
      },
      succeed,
      fail,
      done,
    };
    return [callback, callbackContext, function () {
      isCompleteInvoked = true;
    }];
  }
  function _wrappedCallbackContext(callback, callbackContext, markCompleted) {
    let finished = false;
    const onlyAllowFirstCall = function (toWrap) {
      return function () {
        if (!finished) {
          toWrap.apply(null, arguments);
          finished = true;
        }
      };
    };
    callbackContext.succeed = onlyAllowFirstCall(callbackContext.succeed);
    callbackContext.fail = onlyAllowFirstCall(callbackContext.fail);
    callbackContext.done = onlyAllowFirstCall(callbackContext.done);
    return [onlyAllowFirstCall(callback), callbackContext, markCompleted];
  }
  const CallbackContext = {
    build(client, id, scheduleNext) {
      return _wrappedCallbackContext(..._rawCallbackContext(client, id, scheduleNext));
    },
  };

  // ---- UserFunction.js (a method of this name, so V8 names `load` as the bundle's is named)
  const modules = {
    'UserFunction.js'(exports, module) {
      const FUNCTION_EXPR = /^([^.]*)\.(.*)$/;
      const RELATIVE_PATH_SUBSTRING = '..';
      function _moduleRootAndHandler(fullHandlerString) {
        const handlerString = path.basename(fullHandlerString);
        const moduleRoot = fullHandlerString.substring(0, fullHandlerString.indexOf(handlerString));
        return [moduleRoot, handlerString];
      }
      function _splitHandlerString(handler) {
        const match = handler.match(FUNCTION_EXPR);
        if (!match || match.length != 3) throw new Errors.MalformedHandlerName('Bad handler');
        return [match[1], match[2]];
      }
      function _resolveHandler(object, nestedProperty) {
        return nestedProperty.split('.').reduce((nested, key) => nested && nested[key], object);
      }
      function _tryRequireFile(file, extension) {
        const path2 = file + (extension || '');
        return fs.existsSync(path2) ? __require(path2) : undefined;
      }
      async function _tryAwaitImport(file, extension) {
        const path2 = file + (extension || '');
        if (fs.existsSync(path2)) {
          return await host.import(path2);
        }
        return undefined;
      }
      function _hasFolderPackageJsonTypeModule(folder) {
        if (folder.endsWith('/node_modules')) return false;
        const pj = path.join(folder, '/package.json');
        if (fs.existsSync(pj)) {
          try {
            const pkg = JSON.parse(fs.readFileSync(pj));
            if (pkg) return pkg.type === 'module';
          } catch (e) {
            console.warn(
              `${pj} cannot be read, it will be ignored for ES module detection purposes.`, e);
            return false;
          }
        }
        if (folder === '/') return false;
        return _hasFolderPackageJsonTypeModule(path.resolve(folder, '..'));
      }
      function _hasPackageJsonTypeModule(file) {
        const jsPath = file + '.js';
        return fs.existsSync(jsPath)
          ? _hasFolderPackageJsonTypeModule(path.resolve(path.dirname(jsPath))) : false;
      }
      async function _tryRequire(appRoot, moduleRoot, module2) {
        const lambdaStylePath = path.resolve(appRoot, moduleRoot, module2);
        const extensionless = _tryRequireFile(lambdaStylePath);
        if (extensionless) return extensionless;
        const pjHasModule = _hasPackageJsonTypeModule(lambdaStylePath);
        if (!pjHasModule) {
          const loaded2 = _tryRequireFile(lambdaStylePath, '.js');
          if (loaded2) return loaded2;
        }
        const loaded = (pjHasModule && await _tryAwaitImport(lambdaStylePath, '.js')) ||
          await _tryAwaitImport(lambdaStylePath, '.mjs') ||
          _tryRequireFile(lambdaStylePath, '.cjs');
        if (loaded) return loaded;
        const nodeStylePath = __require.resolve(module2, { paths: [appRoot, moduleRoot] });
        return __require(nodeStylePath);
      }
      async function _loadUserApp(appRoot, moduleRoot, module2) {
        try {
          return await _tryRequire(appRoot, moduleRoot, module2);
        } catch (e) {
          if (e instanceof SyntaxError) {
            throw new Errors.UserCodeSyntaxError(e);
          } else if (e.code !== undefined && e.code === 'MODULE_NOT_FOUND') {
            throw new Errors.ImportModuleError(e);
          } else {
            throw e;
          }
        }
      }
      function _throwIfInvalidHandler(fullHandlerString) {
        if (fullHandlerString.includes(RELATIVE_PATH_SUBSTRING)) {
          throw new Errors.MalformedHandlerName(`'${fullHandlerString}' is not a valid handler ` +
            'name. Use absolute paths when specifying root directories in handler names.');
        }
      }
      module.exports.load = async function (appRoot, fullHandlerString) {
        _throwIfInvalidHandler(fullHandlerString);
        const [moduleRoot, moduleAndHandler] = _moduleRootAndHandler(fullHandlerString);
        const [module2, handlerPath] = _splitHandlerString(moduleAndHandler);
        const userApp = await _loadUserApp(appRoot, moduleRoot, module2);
        let handlerFunc = _resolveHandler(userApp, handlerPath);
        // An ES module's default export is searched as well. Not in 3.3.0; kept from the
        // worker's earlier releases (4.x does it too), as a handler 3.3.0 would not find.
        if (handlerFunc === undefined && util.types.isModuleNamespaceObject(userApp) &&
            userApp.default != null) {
          handlerFunc = _resolveHandler(userApp.default, handlerPath);
        }
        if (!handlerFunc) {
          throw new Errors.HandlerNotFound(`${fullHandlerString} is undefined or not exported`);
        }
        if (typeof handlerFunc !== 'function') {
          throw new Errors.HandlerNotFound(`${fullHandlerString} is not a function`);
        }
        return handlerFunc;
      };
      module.exports.isHandlerFunction = function (value) {
        return typeof value === 'function';
      };
    },
  };
  const UserFunction = { exports: {} };
  modules['UserFunction.js'](UserFunction.exports, UserFunction);

  // The managed nodejs20.x/22.x runtimes log this at init for callback-style handlers (a
  // captured CloudWatch line: aws-solutions-library-samples/qnabot-on-aws#828, 2025-07-16);
  // the npm release 3.3.0 does not have it yet.
  const CALLBACK_WARNING = 'AWS Lambda plans to remove support for callback-based function ' +
    'handlers starting with Node.js 24. You will need to update this function to use an async ' +
    'handler to use Node.js 24 or later. For more information and to provide feedback on this ' +
    'change, see https://github.com/aws/aws-lambda-nodejs-runtime-interface-client/issues/137. ' +
    'To disable this warning, set the AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING environment ' +
    'variable.';
  function isAsyncFunction(fn) {
    return fn.constructor.name === 'AsyncFunction';
  }

  // ---- Runtime.js
  function _isPromise(obj) {
    return obj && obj.then && typeof obj.then === 'function';
  }
  class Runtime {
    constructor(client, handler, errorCallbacks) {
      this.client = client;
      this.handler = handler;
      this.errorCallbacks = errorCallbacks;
      this.handleOnce = this.handleOnceNonStreaming;
    }
    scheduleIteration() {
      const that = this;
      setImmediate(() => {
        that.handleOnce().then(() => {}, (err) => {
          console.log(`Unexpected Top Level Error: ${err.toString()}`);
          this.errorCallbacks.uncaughtException(err);
        });
      });
    }
    async handleOnceNonStreaming() {
      const { bodyJson, headers } = await this.client.nextInvocation();
      const invokeContext = new InvokeContext(headers);
      invokeContext.updateLoggingContext();
      const [callback, callbackContext, markCompleted] = CallbackContext.build(
        this.client, invokeContext.invokeId, this.scheduleIteration.bind(this));
      try {
        this._setErrorCallbacks(invokeContext.invokeId);
        this._setDefaultExitListener(invokeContext.invokeId, markCompleted);
        const result = this.handler(
          JSON.parse(bodyJson), invokeContext.attachEnvironmentData(callbackContext), callback);
        if (_isPromise(result)) {
          result.then(callbackContext.succeed, callbackContext.fail).catch(callbackContext.fail);
        }
      } catch (err) {
        callback(err);
      }
    }
    _setErrorCallbacks(invokeId) {
      this.errorCallbacks.uncaughtException = (error) => {
        host.exiting();
        this.client.postInvocationError(error, invokeId, () => {
          process.exit(129);
        });
      };
      this.errorCallbacks.unhandledRejection = (error) => {
        host.exiting();
        this.client.postInvocationError(error, invokeId, () => {
          process.exit(128);
        });
      };
    }
    _setDefaultExitListener(invokeId, markCompleted) {
      BeforeExitListener.set(() => {
        markCompleted();
        if (isAsyncFunction(this.handler)) {
          this.client.postInvocationError(new Errors.NodeJsExit(NODE_JS_EXIT_MESSAGE), invokeId,
            () => this.scheduleIteration());
        } else {
          this.client.postInvocationResponse(null, invokeId, () => this.scheduleIteration());
        }
      });
    }
  }

  // ---- index.mjs
  async function run(appRootOrHandler, handler = '') {
    LogPatch.patchConsole();
    const client = new RAPIDClient();
    const errorCallbacks = {
      uncaughtException: (error) => {
        client.postInitError(error, () => process.exit(129));
      },
      unhandledRejection: (error) => {
        client.postInitError(error, () => process.exit(128));
      },
    };
    process.on('uncaughtException', (error) => {
      LogPatch.structuredConsole.logError('Uncaught Exception', error);
      errorCallbacks.uncaughtException(error);
    });
    process.on('unhandledRejection', (reason, promise) => {
      const error = new Errors.UnhandledPromiseRejection(reason, promise);
      LogPatch.structuredConsole.logError('Unhandled Promise Rejection', error);
      errorCallbacks.unhandledRejection(error);
    });
    BeforeExitListener.reset();
    process.on('beforeExit', BeforeExitListener.invoke);
    const handlerFunc = UserFunction.exports.isHandlerFunction(appRootOrHandler)
      ? appRootOrHandler : await UserFunction.exports.load(appRootOrHandler, handler);
    if (handlerFunc.length === 3 && !isAsyncFunction(handlerFunc) &&
        process.env.AWS_LAMBDA_NODEJS_DISABLE_CALLBACK_WARNING === undefined) {
      console.warn(CALLBACK_WARNING);
    }
    new Runtime(client, handlerFunc, errorCallbacks).scheduleIteration();
  }

  // The entry module's top level: `await run(...)`, whose failure is an uncaught exception.
  return function start() {
    Promise.resolve()
      .then(async () => {
        await run(host.appRoot, host.handlerString);
      })
      .catch((error) => process.nextTick(() => {
        throw error;
      }));
  };
});
