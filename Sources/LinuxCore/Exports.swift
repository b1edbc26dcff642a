// JSON output lives in its own leaf module so that OCISpec (a leaf too)
// can use it; LinuxCore's users get it with LinuxCore.
@_exported import JSONOutput
