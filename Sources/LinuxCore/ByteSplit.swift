/// Splitting text at an ASCII byte by scanning its UTF-8: far cheaper than
/// Swift's Character-based `split` (no grapheme breaking, no String
/// comparison per character), and exact, since an ASCII byte is always a
/// scalar boundary. For the /proc files and paths on the create path.
extension Substring {
    public func split(byte separator: UInt8, omittingEmpty: Bool = true) -> [Substring] {
        var out = [Substring]()
        let bytes = utf8
        var start = bytes.startIndex
        var index = start
        while index != bytes.endIndex {
            if bytes[index] == separator {
                if !omittingEmpty || start != index { out.append(Substring(bytes[start..<index])) }
                start = bytes.index(after: index)
            }
            index = bytes.index(after: index)
        }
        if !omittingEmpty || start != bytes.endIndex { out.append(Substring(bytes[start...])) }
        return out
    }

    /// The text is exactly these ASCII bytes.
    public func isBytes(_ ascii: StaticString) -> Bool {
        ascii.withUTF8Buffer { utf8.elementsEqual($0) }
    }
}

extension String {
    public func split(byte separator: UInt8, omittingEmpty: Bool = true) -> [Substring] {
        self[...].split(byte: separator, omittingEmpty: omittingEmpty)
    }
}
