import CShim
import Glibc
import LinuxCore
import OCISpec

/// linux.netDevices: host network interfaces moved into the container's
/// network namespace (config-linux.md), over rtnetlink. The runtime does it
/// after the clone, before init goes on: the interface is renamed if asked
/// (a "%d" template lets the kernel pick), its permanent global addresses
/// are carried over (a namespace move drops them), and it is brought up.
public enum NetDevices {
    public struct Move: Sendable, Equatable {
        public var hostName: String
        public var containerName: String
    }

    public static func plan(_ devices: [String: LinuxNetDevice]?) throws(RuntimeError) -> [Move] {
        var moves = [Move]()
        for (host, device) in (devices ?? [:]).sorted(by: { $0.key < $1.key }) {
            let name = device.name.flatMap { $0.isEmpty ? nil : $0 } ?? host
            for candidate in [host, name] where candidate.utf8.count >= 16 || candidate.contains("/") || candidate.contains(" ") {
                throw RuntimeError("linux.netDevices[\(host.debugDescription)]: \(candidate.debugDescription) is not a valid interface name")
            }
            guard if_nametoindex(host) != 0 else {
                throw RuntimeError("linux.netDevices[\(host.debugDescription)]: no such network interface on the host")
            }
            moves.append(Move(hostName: host, containerName: name))
        }
        return moves
    }

    /// Moves the interfaces into the network namespace of `netns` (an fd).
    public static func move(_ moves: [Move], into netns: Int32) throws(RuntimeError) {
        guard !moves.isEmpty else { return }
        let host = try Netlink()
        defer { host.close() }
        // A netlink socket lives in the namespace it was made in.
        let inside = try Netlink.inNamespace(netns)
        defer { inside.close() }
        for move in moves {
            let field = "linux.netDevices[\(move.hostName.debugDescription)]"
            let index = Int32(bitPattern: if_nametoindex(move.hostName))
            guard index > 0 else { throw RuntimeError("\(field): no such network interface on the host") }
            let addresses = try step(field) { try host.permanentGlobalAddresses(index: index) }
            let mac = try step(field) { try host.linkAddress(index: index) }
            if !move.containerName.contains("%d"), try inside.index(of: move.containerName) != nil {
                throw RuntimeError("\(field): the container already has a network interface named \(move.containerName.debugDescription)")
            }
            try step("\(field): move into the container's network namespace") {
                try host.moveLink(index: index, to: netns, name: move.containerName)
            }
            let newIndex = try step(field) { try inside.find(name: move.containerName, mac: mac, oldIndex: index) }
            for address in addresses {
                try step("\(field): restore address") { try inside.addAddress(address, index: newIndex) }
            }
            try step("\(field): set up") { try inside.setUp(index: newIndex) }
        }
    }
}

/// A minimal rtnetlink client: one request, its acknowledgement or dump.
struct Netlink {
    struct Address {
        var family: UInt8
        var prefixLength: UInt8
        var scope: UInt8
        var local: [UInt8]
        var address: [UInt8]
        var broadcast: [UInt8]?
    }

    static let newLink: UInt16 = 16, getLink: UInt16 = 18, newAddress: UInt16 = 20, getAddress: UInt16 = 22
    static let request: UInt16 = 1, acknowledge: UInt16 = 4, dump: UInt16 = 0x300, create: UInt16 = 0x400, exclusive: UInt16 = 0x200
    static let errorMessage: UInt16 = 2, doneMessage: UInt16 = 3
    static let linkAddressAttribute: UInt16 = 1, nameAttribute: UInt16 = 3, netnsFDAttribute: UInt16 = 28
    static let addressAttribute: UInt16 = 1, localAttribute: UInt16 = 2, broadcastAttribute: UInt16 = 4, flagsAttribute: UInt16 = 8
    static let permanent: UInt32 = 0x80

    let fd: Int32
    var sequence: UInt32 = 1

    init() throws(RuntimeError) {
        fd = try sys("netlink socket") { socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0 /* NETLINK_ROUTE */) }
    }

    /// A socket in another network namespace: enter it, make the socket,
    /// come back.
    static func inNamespace(_ netns: Int32) throws(RuntimeError) -> Netlink {
        let own = try sys("open own network namespace") { sl_open_mode("/proc/self/ns/net", O_RDONLY | O_CLOEXEC, 0) }
        defer { Glibc.close(own) }
        try sys("enter the container's network namespace") { sl_setns(netns, Int32(SL_CLONE_NEWNET)) }
        let made: Result<Netlink, RuntimeError>
        do { made = .success(try Netlink()) } catch { made = .failure(error) }
        try sys("return to the runtime's network namespace") { sl_setns(own, Int32(SL_CLONE_NEWNET)) }
        return try made.get()
    }

    func close() { _ = Glibc.close(fd) }

    // MARK: - requests

    func permanentGlobalAddresses(index: Int32) throws(RuntimeError) -> [Address] {
        var out = [Address]()
        for message in try call(type: Self.getAddress, flags: Self.request | Self.dump, body: Self.ifaddrmsg(family: 0, index: 0)) {
            guard message.type == Self.newAddress, message.body.count >= 8 else { continue }
            let b = message.body
            let ifIndex = Int32(bitPattern: UInt32(b[4]) | UInt32(b[5]) << 8 | UInt32(b[6]) << 16 | UInt32(b[7]) << 24)
            guard ifIndex == index else { continue }
            let attributes = Self.attributes(b, from: 8)
            var flags = UInt32(b[2])
            if let extended = attributes[Self.flagsAttribute], extended.count >= 4 {
                flags = UInt32(extended[0]) | UInt32(extended[1]) << 8 | UInt32(extended[2]) << 16 | UInt32(extended[3]) << 24
            }
            // Permanent addresses of global scope, as config-linux.md asks.
            guard flags & Self.permanent != 0, b[3] == 0 else { continue }
            let address = attributes[Self.addressAttribute] ?? attributes[Self.localAttribute] ?? []
            out.append(Address(family: b[0], prefixLength: b[1], scope: b[3], local: attributes[Self.localAttribute] ?? address,
                               address: address, broadcast: attributes[Self.broadcastAttribute]))
        }
        return out
    }

    func linkAddress(index: Int32) throws(RuntimeError) -> [UInt8] {
        for message in try call(type: Self.getLink, flags: Self.request, body: Self.ifinfomsg(index: index)) where message.type == Self.newLink {
            return Self.attributes(message.body, from: 16)[Self.linkAddressAttribute] ?? []
        }
        return []
    }

    /// The index of an interface by name, nil when there is none.
    func index(of name: String) throws(RuntimeError) -> Int32? {
        for (linkIndex, linkName, _) in try links() where linkName == name { return linkIndex }
        return nil
    }

    /// The moved interface in its new namespace: by its name, else by its
    /// old index or its MAC (a "%d" name is chosen by the kernel).
    func find(name: String, mac: [UInt8], oldIndex: Int32) throws(RuntimeError) -> Int32 {
        let all = try links()
        if !name.contains("%d"), let hit = all.first(where: { $0.1 == name }) { return hit.0 }
        if let hit = all.first(where: { $0.0 == oldIndex && (mac.isEmpty || $0.2 == mac) }) { return hit.0 }
        if !mac.isEmpty, let hit = all.first(where: { $0.2 == mac }) { return hit.0 }
        throw RuntimeError("the moved interface is not in the container's network namespace")
    }

    func links() throws(RuntimeError) -> [(Int32, String, [UInt8])] {
        var out = [(Int32, String, [UInt8])]()
        for message in try call(type: Self.getLink, flags: Self.request | Self.dump, body: Self.ifinfomsg(index: 0)) {
            guard message.type == Self.newLink, message.body.count >= 16 else { continue }
            let b = message.body
            let index = Int32(bitPattern: UInt32(b[4]) | UInt32(b[5]) << 8 | UInt32(b[6]) << 16 | UInt32(b[7]) << 24)
            let attributes = Self.attributes(b, from: 16)
            let name = String(decoding: (attributes[Self.nameAttribute] ?? []).prefix { $0 != 0 }, as: UTF8.self)
            out.append((index, name, attributes[Self.linkAddressAttribute] ?? []))
        }
        return out
    }

    func moveLink(index: Int32, to netns: Int32, name: String) throws(RuntimeError) {
        var body = Self.ifinfomsg(index: index)
        body += Self.attribute(Self.netnsFDAttribute, Self.le32(UInt32(bitPattern: netns)))
        body += Self.attribute(Self.nameAttribute, Array(name.utf8) + [0])
        _ = try call(type: Self.newLink, flags: Self.request | Self.acknowledge, body: body)
    }

    func addAddress(_ a: Address, index: Int32) throws(RuntimeError) {
        var body: [UInt8] = [a.family, a.prefixLength, 0, a.scope] + Self.le32(UInt32(bitPattern: index))
        body += Self.attribute(Self.localAttribute, a.local)
        body += Self.attribute(Self.addressAttribute, a.address)
        if let broadcast = a.broadcast { body += Self.attribute(Self.broadcastAttribute, broadcast) }
        body += Self.attribute(Self.flagsAttribute, Self.le32(Self.permanent))
        _ = try call(type: Self.newAddress, flags: Self.request | Self.acknowledge | Self.create | Self.exclusive, body: body)
    }

    func setUp(index: Int32) throws(RuntimeError) {
        var body = Self.ifinfomsg(index: index)
        // ifi_flags = IFF_UP, ifi_change = IFF_UP
        body.replaceSubrange(8..<16, with: Self.le32(1) + Self.le32(1))
        _ = try call(type: Self.newLink, flags: Self.request | Self.acknowledge, body: body)
    }

    // MARK: - wire format

    struct Message {
        var type: UInt16
        var body: [UInt8]
    }

    static func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xff), UInt8((v >> 8) & 0xff), UInt8((v >> 16) & 0xff), UInt8(v >> 24)] }
    static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8)] }
    static func padded(_ n: Int) -> Int { (n + 3) & ~3 }

    static func ifinfomsg(index: Int32) -> [UInt8] {
        [0, 0, 0, 0] + le32(UInt32(bitPattern: index)) + le32(0) + le32(0)
    }

    static func ifaddrmsg(family: UInt8, index: Int32) -> [UInt8] {
        [family, 0, 0, 0] + le32(UInt32(bitPattern: index))
    }

    static func attribute(_ type: UInt16, _ data: [UInt8]) -> [UInt8] {
        let length = 4 + data.count
        return le16(UInt16(length)) + le16(type) + data + [UInt8](repeating: 0, count: padded(length) - length)
    }

    static func attributes(_ bytes: [UInt8], from start: Int) -> [UInt16: [UInt8]] {
        var out = [UInt16: [UInt8]]()
        var offset = padded(start)
        while offset + 4 <= bytes.count {
            let length = Int(UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8)
            let type = (UInt16(bytes[offset + 2]) | UInt16(bytes[offset + 3]) << 8) & 0x3fff
            guard length >= 4, offset + length <= bytes.count else { break }
            out[type] = Array(bytes[(offset + 4)..<(offset + length)])
            offset += padded(length)
        }
        return out
    }

    /// Sends one request and collects the replies until the ack, an error
    /// or the end of a dump.
    func call(type: UInt16, flags: UInt16, body: [UInt8]) throws(RuntimeError) -> [Message] {
        let length = 16 + body.count
        let request = Self.le32(UInt32(length)) + Self.le16(type) + Self.le16(flags) + Self.le32(sequence) + Self.le32(0) + body
        try sys("netlink send") { request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) } }
        var messages = [Message]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = try sys("netlink receive") { buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) } }
            var offset = 0
            while offset + 16 <= n {
                let size = Int(UInt32(buffer[offset]) | UInt32(buffer[offset + 1]) << 8 | UInt32(buffer[offset + 2]) << 16 | UInt32(buffer[offset + 3]) << 24)
                let kind = UInt16(buffer[offset + 4]) | UInt16(buffer[offset + 5]) << 8
                guard size >= 16, offset + size <= n else { break }
                let payload = Array(buffer[(offset + 16)..<(offset + size)])
                if kind == Self.errorMessage {
                    let code = payload.count >= 4
                        ? Int32(bitPattern: UInt32(payload[0]) | UInt32(payload[1]) << 8 | UInt32(payload[2]) << 16 | UInt32(payload[3]) << 24) : 0
                    if code != 0 { throw RuntimeError(errnoText(-code), errno: -code) }
                    return messages
                }
                if kind == Self.doneMessage { return messages }
                messages.append(Message(type: kind, body: payload))
                offset += Self.padded(size)
            }
            if flags & Self.dump == 0 && flags & Self.acknowledge == 0 { return messages }
        }
    }
}
