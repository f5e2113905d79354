'use strict';
// Preloaded into the Node.js worker (node --require) when coverage is measured, with
// NODE_V8_COVERAGE set: writes V8's coverage before each init or invocation result leaves the
// worker, so a worker killed later (timeout, memory limit) has already written what ran.
// Each v8.takeCoverage() writes a new file and resets the counters (Node.js v8 API docs).
const fs = require('fs');
const v8 = require('v8');

const EVENT_FD = Number(process.argv[3]); // worker.js COMMAND_FD EVENT_FD ...
const PHASE_END = [Buffer.from('{"t":"init"'), Buffer.from('{"t":"result"')];
const writeSync = fs.writeSync;

fs.writeSync = function writeSyncFlushingCoverage(fd, data, offset, ...rest) {
  if (fd === EVENT_FD && !offset && Buffer.isBuffer(data)
      && PHASE_END.some((head) => data.subarray(0, head.length).equals(head))) {
    v8.takeCoverage();
  }
  return writeSync.call(this, fd, data, offset, ...rest);
};
