// libFuzzer entry point over config.json decoding and validation, built by
// scripts/fuzz together with the OCISpec sources. Any input must give either
// a valid Spec or a one-line error: a crash, a hang or a multi-line message
// is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: count))
    do {
        let spec = try Spec.decode(bytes)
        try spec.validate()
        _ = try spec.encodedJSON(pretty: false)
    } catch {
        let message = "\(error)"
        if message.contains("\n") || message.isEmpty {
            fatalError("error message is not one line: \(message.debugDescription)")
        }
    }
    for document in [0, 1] {
        do {
            if document == 0 { _ = try Spec.decodeResources(bytes) } else { _ = try Spec.decodeProcess(bytes) }
        } catch {
            if "\(error)".contains("\n") { fatalError("error message is not one line") }
        }
    }
    return 0
}
