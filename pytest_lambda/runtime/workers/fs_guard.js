'use strict';
// Preloaded into every Node.js worker (node --require): the function's code directory is
// read-only, as /var/task is on Lambda. Writing, creating, removing or renaming anything under
// LAMBDA_TASK_ROOT fails with Node's own EROFS error, as the syscall fails there:
//   Error: EROFS: read-only file system, mkdir '/var/task/CacheFiles'
// (errno -30, code 'EROFS', syscall, path; captured in fent/node-ytdl-core forks and
// lovell/sharp#1511). Reading works. The functions of fs, their callback forms and
// fs.promises are covered (streams open through fs.open); native addons and child processes
// are not. ESM named imports see the guarded functions too (syncBuiltinESMExports).
const fs = require('fs');
const path = require('path');
const { fileURLToPath } = require('url');

const root = path.resolve(process.env.LAMBDA_TASK_ROOT || '/var/task');
const WRITE_FLAGS = fs.constants.O_WRONLY | fs.constants.O_RDWR | fs.constants.O_CREAT
  | fs.constants.O_TRUNC | fs.constants.O_APPEND;

function text(p) {
  if (p instanceof URL) return fileURLToPath(p);
  if (Buffer.isBuffer(p)) return p.toString();
  return String(p);
}

function underRoot(p) {
  if (typeof p === 'number' || p === undefined || p === null) return false; // a descriptor
  let full;
  try {
    full = path.resolve(text(p));
  } catch (e) {
    return false;
  }
  return full === root || full.startsWith(root + path.sep);
}

function writes(flags) {
  if (flags === undefined || flags === null) return false;
  if (typeof flags === 'number') return (flags & WRITE_FLAGS) !== 0;
  return /[wa+]/.test(String(flags));
}

function erofs(syscall, p, dest) {
  const shown = text(p);
  const error = new Error(`EROFS: read-only file system, ${syscall} '${shown}'`
    + (dest === undefined ? '' : ` -> '${text(dest)}'`));
  error.errno = -30;
  error.code = 'EROFS';
  error.syscall = syscall;
  error.path = shown;
  if (dest !== undefined) error.dest = text(dest);
  return error;
}

// name -> (args) => the error the call fails with, or null. The syscall named is the one
// Node's error would name.
const CHECKS = {
  open: (a) => (underRoot(a[0]) && writes(a[1]) ? erofs('open', a[0]) : null),
  writeFile: (a) => (underRoot(a[0]) ? erofs('open', a[0]) : null),
  appendFile: (a) => (underRoot(a[0]) ? erofs('open', a[0]) : null),
  mkdir: (a) => (underRoot(a[0]) ? erofs('mkdir', a[0]) : null),
  // Node's mkdtemp error names the template it tried: the prefix and six X's.
  mkdtemp: (a) => (underRoot(a[0]) ? erofs('mkdtemp', `${text(a[0])}XXXXXX`) : null),
  rmdir: (a) => (underRoot(a[0]) ? erofs('rmdir', a[0]) : null),
  rm: (a) => (underRoot(a[0]) ? erofs('rm', a[0]) : null),
  unlink: (a) => (underRoot(a[0]) ? erofs('unlink', a[0]) : null),
  truncate: (a) => (underRoot(a[0]) ? erofs('open', a[0]) : null),
  chmod: (a) => (underRoot(a[0]) ? erofs('chmod', a[0]) : null),
  chown: (a) => (underRoot(a[0]) ? erofs('chown', a[0]) : null),
  utimes: (a) => (underRoot(a[0]) ? erofs('utime', a[0]) : null),
  rename: (a) => (underRoot(a[0]) || underRoot(a[1]) ? erofs('rename', a[0], a[1]) : null),
  copyFile: (a) => (underRoot(a[1]) ? erofs('copyfile', a[0], a[1]) : null),
  cp: (a) => (underRoot(a[1]) ? erofs('cp', a[0], a[1]) : null),
  symlink: (a) => (underRoot(a[1]) ? erofs('symlink', a[0], a[1]) : null),
  link: (a) => (underRoot(a[1]) ? erofs('link', a[0], a[1]) : null),
};

function guard(target, name, check, kind) {
  const real = target[name];
  if (typeof real !== 'function') return;
  let guarded;
  if (kind === 'sync') {
    guarded = function (...args) {
      const error = check(args);
      if (error) throw error;
      return real.apply(this, args);
    };
  } else if (kind === 'callback') {
    guarded = function (...args) {
      const error = check(args);
      const callback = args[args.length - 1];
      if (error && typeof callback === 'function') {
        process.nextTick(callback, error);
        return undefined;
      }
      return real.apply(this, args);
    };
  } else {
    guarded = function (...args) {
      const error = check(args);
      if (error) return Promise.reject(error);
      return real.apply(this, args);
    };
  }
  Object.defineProperty(guarded, 'name', { value: real.name });
  target[name] = guarded;
}

for (const [name, check] of Object.entries(CHECKS)) {
  guard(fs, name, check, 'callback');
  guard(fs, `${name}Sync`, check, 'sync');
  guard(fs.promises, name, check, 'promise');
}
require('module').syncBuiltinESMExports();
