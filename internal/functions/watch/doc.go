// Package watch rebuilds and restarts local functions when their files
// change, for `apigw serve --watch` (issue 3, "a fast development loop").
//
// What is watched, per function (TargetFor):
//
//   - a function with a Build command: its Dir, recursively; a change
//     rebuilds the function and replaces its instances
//     (functions.Manager.Restart);
//   - a function without Build whose program is a file path (a binary the
//     developer builds outside the gateway): that file; a change replaces
//     the instances, which start the new program;
//   - a function without Build whose program is looked up in PATH
//     (`go run .`, `node index.js`, `python3 app.py`): its Dir, recursively,
//     since the program reads its sources when it starts;
//   - a function with a Runtime (Node.js, Python): its Dir, recursively
//     (node_modules, __pycache__ and hidden directories such as .venv
//     excluded, as below); a change replaces the instances, since neither
//     language reloads modules in a warm process;
//   - remote functions: nothing.
//
// What is not a change: chmod-only events (touch, Spotlight; fsnotify's own
// advice), a new directory holding no file that counts (a build creating
// bin/; the directory is watched from then on), anything under a hidden file or directory (.git, .apigw, editor
// swap files), node_modules and __pycache__ (written by tools and runtimes,
// never edited by hand; nodemon ignores the same), editor backups (name~,
// #name#), the function's own program file and the output of its
// `-o FILE` build flag when Build has one (with the FILE-go-tmp-umask file
// `go build` writes next to it), and Target.Ignore (the gateway adds its data
// directory).
//
// Bursts are debounced: a function is restarted Options.Debounce after the
// last change of a burst (an editor's save is several events; `git checkout`
// is hundreds). Builds of one function never overlap. A change made while
// the function builds triggers one more rebuild after it; if that
// follow-up build again sees changes while it runs, those changes are
// ignored with a warning naming them, because a build that rewrites files
// under its own Dir would otherwise rebuild forever (move its outputs out of
// Dir, or name them with -o).
//
// A failed build is logged (the build's output is logged line by line by the
// functions package as it runs, with stream=build) and the old instances
// keep serving; the next change tries again. Requests in flight during a
// restart finish on the instances they started on (Manager.Restart).
//
// Lifecycle of a Watcher: New checks the targets and registers every
// directory with the operating system's file notification service
// (fsnotify: inotify, kqueue, ReadDirectoryChangesW), then starts one
// goroutine that owns every piece of state; each restart runs in a goroutine
// of its own, owned by the Watcher. Close cancels builds in progress and
// waits for every goroutine.
package watch
