using System.Runtime.Versioning;

// Deployment tests run the Linux build, bash scripts, systemd-analyze and strace: Linux only.
[assembly: SupportedOSPlatform("linux")]
