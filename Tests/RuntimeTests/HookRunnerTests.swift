import Glibc
import LinuxCore
import OCISpec
import Testing
@testable import Runtime

/// Hooks change the process-wide SIGPIPE disposition while they write the
/// state: one at a time.
@Suite(.serialized) struct HookRunnerTests {
    static let state = Container.ociState(id: "c1", status: "creating", pid: 4242, bundle: "/bundles/c1",
                                          annotations: ["k": "v"], ociVersion: "1.3.0")

    /// Writes an executable /bin/sh script.
    private func script(_ path: String, _ body: String) throws -> String {
        try writeFile(path, "#!/bin/sh\n" + body + "\n", mode: 0o755)
        return path
    }

    private func elapsedMillis(since start: timespec) -> Int {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1_000_000
    }

    @Test func stateArrivesOnStdin() throws {
        try withTempDirectory { dir in
            let hook = try script(dir + "/stdin.sh", "/bin/cat > \(dir)/stdin.out")
            try HookRunner.runOne(Hook(path: hook, timeout: 10), phase: "prestart", state: Self.state)
            #expect(try FileIO.readString(dir + "/stdin.out") == Self.state)
        }
    }

    @Test func argsAreHonoured() throws {
        try withTempDirectory { dir in
            let hook = try script(dir + "/args.sh", "printf '%s\\n' \"$@\" > \(dir)/args.out")
            let args = ["args-hook", "one", "two words", "", "$HOME"]
            try HookRunner.runOne(Hook(path: hook, args: args, timeout: 10), phase: "poststart", state: Self.state)
            // argv[0] is replaced by the script path when the kernel runs the
            // #! interpreter; the rest arrive as given.
            #expect(try FileIO.readString(dir + "/args.out") == "one\ntwo words\n\n$HOME\n")
        }
    }

    @Test func envIsExactlyTheHooksEnv() throws {
        try withTempDirectory { dir in
            let hook = try script(dir + "/env.sh", "/usr/bin/tr '\\000' '\\n' < /proc/$$/environ > \(dir)/env.out")
            let env = ["A=1", "B=two words", "PATH=/nowhere", "EMPTY="]
            try HookRunner.runOne(Hook(path: hook, env: env, timeout: 10), phase: "createRuntime", state: Self.state)
            #expect(try FileIO.readString(dir + "/env.out") == env.map { $0 + "\n" }.joined())

            // No env at all: nothing of the runtime's own environment leaks in.
            try HookRunner.runOne(Hook(path: hook, timeout: 10), phase: "createRuntime", state: Self.state)
            #expect(try FileIO.readString(dir + "/env.out") == "")
        }
    }

    @Test func nonZeroExitNamesPhasePathAndStatus() throws {
        try withTempDirectory { dir in
            let hook = try script(dir + "/fail.sh", "echo 'it broke' >&2; exit 3")
            let message = failure { try HookRunner.runOne(Hook(path: hook, timeout: 10), phase: "prestart", state: Self.state) }
            #expect(message == "prestart hook \(hook) failed: exit status 3: it broke")
        }
    }

    @Test func silentFailure() throws {
        try withTempDirectory { dir in
            let hook = try script(dir + "/quiet.sh", "exit 42")
            let message = failure { try HookRunner.runOne(Hook(path: hook, timeout: 10), phase: "poststop", state: Self.state) }
            #expect(message == "poststop hook \(hook) failed: exit status 42")
        }
    }

    @Test func killedBySignal() throws {
        try withTempDirectory { dir in
            let hook = try script(dir + "/killed.sh", "kill -9 $$")
            let message = failure { try HookRunner.runOne(Hook(path: hook, timeout: 10), phase: "startContainer", state: Self.state) }
            #expect(message == "startContainer hook \(hook) failed: killed by SIGKILL")
        }
    }

    @Test func failureWithMultiLineOutputIsOneLine() throws {
        try withTempDirectory { dir in
            let hook = try script(dir + "/lines.sh", "printf 'line one\\nline two\\n' >&2; exit 4")
            let message = try #require(failure { try HookRunner.runOne(Hook(path: hook, timeout: 10), phase: "prestart", state: Self.state) })
            #expect(message.hasPrefix("prestart hook \(hook) failed: exit status 4: line one"))
            #expect(message.contains("line two"))
            #expect(!message.contains("\n"), "error message spans lines: \(message.debugDescription)")
        }
    }

    @Test func missingHookProgram() throws {
        try withTempDirectory { dir in
            let path = dir + "/does-not-exist"
            let message = failure { try HookRunner.runOne(Hook(path: path, timeout: 10), phase: "prestart", state: Self.state) }
            #expect(message == "prestart hook \(path): No such file or directory")
        }
    }

    @Test func hookNotReadingStdinIsFine() throws {
        try withTempDirectory { dir in
            let hook = try script(dir + "/noread.sh", "exit 0")
            var before = sigaction()
            try #require(sigaction(SIGPIPE, nil, &before) == 0)
            // Several runs, so that the hook often exits before the write.
            for _ in 0..<5 {
                try HookRunner.runOne(Hook(path: hook, timeout: 10), phase: "prestart", state: Self.state)
            }
            // Still here: SIGPIPE did not kill the test process, and its
            // disposition is back to what it was.
            var after = sigaction()
            try #require(sigaction(SIGPIPE, nil, &after) == 0)
            let beforeBytes = withUnsafeBytes(of: &before.__sigaction_handler) { Array($0) }
            let afterBytes = withUnsafeBytes(of: &after.__sigaction_handler) { Array($0) }
            #expect(beforeBytes == afterBytes)
        }
    }

    @Test func largeStateAndAHookNotReadingStdin() throws {
        try withTempDirectory { dir in
            let hook = try script(dir + "/noread-large.sh", "exit 0")
            // More than a pipe holds (64 KiB).
            let annotations = Dictionary(uniqueKeysWithValues: (0..<2000).map { ("key\($0)", String(repeating: "v", count: 100)) })
            let state = Container.ociState(id: "big", status: "creating", pid: 1, bundle: "/b", annotations: annotations, ociVersion: "1.3.0")
            #expect(state.utf8.count > 200_000)
            let result = Box<String?>("not finished")
            let hookPath = hook
            let finished = try runWithDeadline(seconds: 3) {
                result.value = failure { try HookRunner.runOne(Hook(path: hookPath, timeout: 2), phase: "prestart", state: state) }
            }
            #expect(finished, "runOne did not return within 3 s (hook timeout 2 s) for a hook that exits without reading a \(state.utf8.count)-byte state")
            if finished { #expect(result.value == nil) }
        }
    }

    @Test func timeoutKillsTheHook() throws {
        try withTempDirectory { dir in
            let hook = try script(dir + "/slow.sh", "echo $$ > \(dir)/slow.pid; exec /bin/sleep 30")
            var start = timespec()
            clock_gettime(CLOCK_MONOTONIC, &start)
            let message = failure { try HookRunner.runOne(Hook(path: hook, timeout: 1), phase: "prestart", state: Self.state) }
            let elapsed = elapsedMillis(since: start)
            #expect(message == "prestart hook \(hook) timed out after 1s")
            #expect(elapsed >= 950 && elapsed < 5000, "\(elapsed) ms")
            // The hook is gone (killed and reaped).
            let pidText = try FileIO.readString(dir + "/slow.pid").filter(\.isNumber)
            let pid = try #require(Int32(pidText))
            let alive = kill(pid, 0)
            let code = errno
            #expect(alive == -1 && code == ESRCH, "hook pid \(pid) still exists")
        }
    }

    @Test func runStopsAtTheFirstFailureAndRunAllDoesNot() throws {
        try withTempDirectory { dir in
            let first = try script(dir + "/first.sh", "echo first >> \(dir)/order.out")
            let bad = try script(dir + "/bad.sh", "echo bad >> \(dir)/order.out; exit 1")
            let last = try script(dir + "/last.sh", "echo last >> \(dir)/order.out")
            let hooks = [Hook(path: first, timeout: 10), Hook(path: bad, timeout: 10), Hook(path: last, timeout: 10)]
            #expect(failure { try HookRunner.run(hooks, phase: "prestart", state: Self.state) } == "prestart hook \(bad) failed: exit status 1")
            #expect(try FileIO.readString(dir + "/order.out") == "first\nbad\n")
            try HookRunner.run(nil, phase: "prestart", state: Self.state)
            try HookRunner.run([], phase: "prestart", state: Self.state)

            // runAll (poststop) runs every hook and logs failures as warnings.
            try FileIO.removeTree(dir + "/order.out")
            let logFD = open(dir + "/log", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            try #require(logFD >= 0)
            let saved = log
            log = Logger()
            log.fd = logFD
            HookRunner.runAll(hooks, phase: "poststop", state: Self.state)
            log = saved
            close(logFD)
            #expect(try FileIO.readString(dir + "/order.out") == "first\nbad\nlast\n")
            let logged = try FileIO.readString(dir + "/log")
            #expect(logged.hasSuffix(" level=warning msg=\"poststop hook \(bad) failed: exit status 1\"\n"), "\(logged)")
            #expect(logged.split(separator: "\n").count == 1)
        }
    }
}
