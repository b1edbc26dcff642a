import Testing
@testable import OCISpec

@Suite struct SchemaFixtureTests {
    /// Good files we reject on purpose, with the field our error names.
    static let knownGoodRejections = [
        // "0.5.0-dev" is a valid SemVer but predates 1.0.0, which we require.
        "spec-example.json": "ociVersion",
    ]

    @Test func goodConfigsDecodeAndValidate() throws {
        let files = Fixtures.files("config", "good")
        #expect(files.count >= 5)
        for file in files {
            var spec = try Spec.decode(file.bytes, name: file.name)
            if let field = Self.knownGoodRejections[file.name] {
                let error = #expect(throws: SpecError.self) { try spec.validate(document: file.name) }
                #expect(error?.field == field, "\(file.name): \(String(describing: error))")
                spec.ociVersion = "1.0.0"
            }
            do {
                try spec.validate(document: file.name)
            } catch {
                Issue.record("\(file.name) rejected: \(error)")
            }
        }
    }

    @Test func badConfigsAreRejected() {
        let files = Fixtures.files("config", "bad")
        #expect(files.count >= 4)
        var messages: [String] = []
        for file in files {
            do {
                let spec = try Spec.decode(file.bytes, name: file.name)
                try spec.validate(document: file.name)
                Issue.record("\(file.name) was accepted")
            } catch {
                let text = "\(error)"
                #expect(!text.contains("\n"))
                #expect(text.hasPrefix("\(file.name): "))
                messages.append(text)
            }
        }
        #expect(messages.contains { $0.contains("invalid JSON at line 1") })
        #expect(messages.contains { $0.contains("linux.resources.hugepageLimits[0].pageSize: invalid page size \"64kB\"") })
        #expect(messages.contains { $0.contains("linux.netDevices.eth0.name: expected a string, got 23") })
        #expect(messages.contains { $0.contains("linux.resources.rdma.mlx5_1.hcaHandles: expected an unsigned 32-bit integer, got a string") })
    }

    @Test func goodConfigsRoundTrip() throws {
        for file in Fixtures.files("config", "good") {
            let spec = try Spec.decode(file.bytes, name: file.name)
            let again = try Spec.decode(spec.encodedJSON(pretty: true), name: file.name)
            #expect(again == spec, "\(file.name)")
            let compact = try Spec.decode(spec.encodedJSON(pretty: false), name: file.name)
            #expect(compact == spec, "\(file.name)")
        }
    }

    @Test func specExampleFieldsAreDecoded() throws {
        let file = try #require(Fixtures.files("config", "good").first { $0.name == "spec-example.json" })
        let spec = try Spec.decode(file.bytes)
        #expect(spec.process?.user?.additionalGids == [5, 6])
        #expect(spec.linux?.resources?.hugepageLimits?.first?.limit == 9_223_372_036_854_772_000)
        #expect(spec.linux?.resources?.memory?.kernel == -1)
        #expect(spec.linux?.resources?.cpu?.burst == 1_000_000)
        #expect(spec.linux?.resources?.blockIO?.weightDevice?[1].leafWeight == nil)
        #expect(spec.linux?.resources?.blockIO?.throttleWriteIOPSDevice?.first?.rate == 300)
        #expect(spec.linux?.timeOffsets?["boottime"]?.secs == 604_800)
        #expect(spec.linux?.namespace(.time) != nil)
        #expect(spec.linux?.seccomp?.syscalls?.first?.names == ["getcwd", "chmod"])
        #expect(spec.hooks?.startContainer?.first?.path == "/usr/bin/refresh-ldcache")
        #expect(spec.hooks?.poststart?.first?.timeout == 5)
        #expect(spec.domainname == "foobarbaz.test")
        #expect(spec.annotations?["com.example.key2"] == "value2")
    }

    @Test func netDeviceAndRdmaFixtures() throws {
        let files = Fixtures.files("config", "good")
        let net = try #require(files.first { $0.name == "linux-netdevice.json" })
        let netSpec = try Spec.decode(net.bytes)
        #expect(netSpec.linux?.netDevices?["eth0"]?.name == "container_eth0")
        #expect(netSpec.linux?.netDevices?["ens4"] == LinuxNetDevice())
        let rdma = try #require(files.first { $0.name == "linux-rdma.json" })
        let rdmaSpec = try Spec.decode(rdma.bytes)
        #expect(rdmaSpec.linux?.resources?.rdma?["mlx5_1"] == LinuxRdma(hcaHandles: 3, hcaObjects: 10000))
    }

    @Test func stateFixtures() throws {
        let good = Fixtures.files("state", "good")
        #expect(!good.isEmpty)
        for file in good {
            let state = try State.decode(file.bytes, name: file.name)
            #expect(try State.decode(state.encodedJSON()) == state)
        }
        let example = try #require(good.first { $0.name == "spec-example.json" })
        let state = try State.decode(example.bytes)
        #expect(state.containerStatus == .running)
        #expect(state.pid == 4422)
        #expect(state.annotations == ["myKey": "myValue"])
        for file in Fixtures.files("state", "bad") {
            #expect(throws: SpecError.self, "\(file.name)") { try State.decode(file.bytes, name: file.name) }
        }
    }

    @Test func featuresFixtures() throws {
        let good = Fixtures.files("features", "good")
        #expect(good.count >= 2)
        for file in good {
            let features = try Features.decode(file.bytes, name: file.name)
            #expect(try Features.decode(features.encodedJSON()) == features)
        }
        let runc = try #require(good.first { $0.name == "runc.json" })
        let features = try Features.decode(runc.bytes)
        #expect(features.linux?.cgroup?.systemdUser == true)
        #expect(features.linux?.seccomp?.supportedFlags == ["SECCOMP_FILTER_FLAG_LOG"])
        #expect(features.linux?.netDevices?.enabled == true)
        #expect(features.linux?.capabilities?.count == 41)
        for file in Fixtures.files("features", "bad") {
            let error = #expect(throws: SpecError.self) { try Features.decode(file.bytes, name: file.name) }
            #expect(error?.description == "missing-ociVersionMax.json: ociVersionMax: required field missing")
        }
    }
}
