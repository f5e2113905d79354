'use strict';
// Preloaded into every Node.js worker (node --require): the Node.js side of the network guard.
//
// - Connections to anything but loopback and the hosts of network_allow are refused with the
//   Python guard's NetworkBlockedError message, so a forgotten mock fails at once instead of
//   reaching a real account.
// - Under lambda_aws, requests to AWS endpoints go to the test process's loopback endpoint
//   (moto), whatever the SDK resolved: the SDK v3 SQS client sends to the host of the QueueUrl
//   unless its endpoint was set in code (middleware-sdk-sqs, useQueueUrlAsEndpoint), and the
//   SDK v2 ignores AWS_ENDPOINT_URL. On Lambda both reach the real service, here moto.
//
// The settings arrive in PYTEST_LAMBDA_NETWORK (JSON), removed before the handler loads.
const http = require('http');
const https = require('https');
const net = require('net');

const spec = JSON.parse(process.env.PYTEST_LAMBDA_NETWORK || '{}');
delete process.env.PYTEST_LAMBDA_NETWORK;
const functionName = spec.function || '';
const allow = (spec.allow || []).map((entry) => String(entry).toLowerCase());
const bridge = spec.bridge ? new URL(spec.bridge) : null;
const AWS_HOST = /\.(amazonaws\.com|amazonaws\.com\.cn|api\.aws)\.?$/i;

function ipv4(text) {
  const parts = String(text).split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) < 256)) {
    return null;
  }
  return parts.reduce((value, p) => value * 256 + Number(p), 0);
}

function inCidr(host, cidr) {
  const [base, bits] = cidr.split('/');
  const address = ipv4(host);
  const network = ipv4(base);
  const size = Number(bits);
  if (address === null || network === null || !(size >= 0 && size <= 32)) return false;
  const block = 2 ** (32 - size);
  return Math.floor(address / block) === Math.floor(network / block);
}

function isLoopback(host) {
  const h = String(host).toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || h === '' || inCidr(h, '127.0.0.0/8');
}

function isAllowed(host) {
  const h = String(host).toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (isLoopback(h)) return true;
  return allow.some((entry) => entry === h
    || (entry.startsWith('*.') && h.endsWith(entry.slice(1)))
    || (entry.includes('/') && inCidr(h, entry)));
}

function blocked(host, port) {
  const target = (String(host).includes(':') ? `[${host}]` : String(host))
    + (port !== undefined && port !== null && port !== '' ? `:${port}` : '');
  const source = functionName ? ` from function '${functionName}'` : '';
  const fix = AWS_HOST.test(String(host))
    ? "This is real AWS: run the code under moto (the lambda_aws fixture or mock_aws) in the "
      + "test process; a process worker (isolation='process') is not reached by moto there, "
      + 'so run it in-process or point it at a moto server with AWS_ENDPOINT_URL.'
    : `Mock the service (moto), or allow the host with @pytest.mark.lambda_network(allow=["${host}"]) `
      + 'or the ini option lambda_network_allow.';
  const error = new Error(`pytest-aws-lambda blocked a connection to ${target}${source}: `
    + `tests must not reach the network. ${fix}`);
  error.name = 'NetworkBlockedError';
  error.code = 'ENETUNREACH';
  return error;
}

// Refuse at connect (every TCP/TLS client goes through net.Socket#connect).
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const first = args[0];
  let host;
  let port;
  if (Array.isArray(first)) {
    ({ host, port } = first[0] || {});  // net's internal normalized form
  } else if (first && typeof first === 'object') {
    if (first.path) return connect.apply(this, args);  // a Unix socket
    ({ host, port } = first);
  } else if (typeof first === 'string' && !/^\d+$/.test(first)) {
    return connect.apply(this, args);  // a Unix socket path
  } else {
    port = first;
    host = typeof args[1] === 'string' ? args[1] : undefined;
  }
  if (host === undefined || isAllowed(host)) return connect.apply(this, args);
  const error = blocked(host, port);
  process.nextTick(() => this.destroy(error));
  return this;
};

// Route AWS endpoints to lambda_aws's moto (through the test process's loopback endpoint).
function toBridge(args) {
  let options;
  let rest;
  if (typeof args[0] === 'string' || args[0] instanceof URL) {
    const url = new URL(String(args[0]));
    const extra = args[1] && typeof args[1] === 'object' ? args[1] : {};
    options = {
      protocol: url.protocol, hostname: url.hostname, port: url.port,
      path: url.pathname + url.search, ...extra,
    };
    rest = args.slice(extra === args[1] ? 2 : 1);
  } else {
    options = { ...(args[0] || {}) };
    rest = args.slice(1);
  }
  const host = String(options.hostname || options.host || '').replace(/:\d+$/, '');
  if (!bridge || !AWS_HOST.test(host)) return null;
  const headers = { ...(options.headers || {}) };
  const hasHost = Object.keys(headers).some((name) => name.toLowerCase() === 'host');
  if (!hasHost) headers.host = host;  // what the request was signed for
  const routed = {
    ...options, protocol: 'http:', hostname: bridge.hostname, host: bridge.hostname,
    port: bridge.port, headers, agent: undefined, servername: undefined,
  };
  return [routed, ...rest];
}

for (const module of [https, http]) {
  const request = module.request;
  const get = module.get;
  module.request = function routedRequest(...args) {
    const routed = toBridge(args);
    return routed ? http.request.call(http, ...routed) : request.apply(module, args);
  };
  module.get = function routedGet(...args) {
    const routed = toBridge(args);
    if (!routed) return get.apply(module, args);
    const req = http.request.call(http, ...routed);
    req.end();
    return req;
  };
}
