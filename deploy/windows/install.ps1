<#
.SYNOPSIS
  Installs or upgrades the Changwon Edge Gateway as a Windows service. Safe to run again.

.DESCRIPTION
  Run from the win-x64 publish folder (deploy/publish.sh --rid win-x64), in an elevated PowerShell:
    powershell -ExecutionPolicy Bypass -File .\install.ps1 [-Config D:\site\gateway.yaml] [-NoStart]

  Layout:
    C:\Program Files\ChangwonEdgeGateway\gateway.exe             the binary (replaced on upgrade)
    C:\ProgramData\ChangwonEdgeGateway\config\gateway.yaml        the configuration (never overwritten without -Config)
    C:\ProgramData\ChangwonEdgeGateway\data                       GATEWAY_DATA: the buffer and pki\ (kept by uninstall.ps1)
  The service runs as the virtual account NT SERVICE\ChangwonEdgeGateway (no password to manage), restarts after
  failures, and logs to the console and the Application event log (Warning and above).

  Not tested by the project's CI (no Windows there); see docs/deploy.md.
#>
[CmdletBinding()]
param(
    # The publish folder holding gateway.exe and config\ (default: this script's folder).
    [string] $From = $PSScriptRoot,
    # Install this file as the configuration; an existing one is kept as gateway.yaml.previous.
    [string] $Config,
    # Create and configure the service, but do not start it.
    [switch] $NoStart
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$ServiceName = 'ChangwonEdgeGateway'            # the name the host registers with (AddWindowsService)
$DisplayName = 'Changwon Edge Gateway'
$Account     = "NT SERVICE\$ServiceName"
# The .NET event log provider writes with the host's application name, which is the assembly name `gateway`.
$EventSource = 'gateway'
$ProgramDir  = Join-Path $env:ProgramFiles $ServiceName
$DataRoot    = Join-Path $env:ProgramData $ServiceName
$ConfigDir   = Join-Path $DataRoot 'config'
$DataDir     = Join-Path $DataRoot 'data'
$Exe         = Join-Path $ProgramDir 'gateway.exe'
$ConfigFile  = Join-Path $ConfigDir 'gateway.yaml'

function Step([string] $Text) { Write-Host "install.ps1: $Text" }

$principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
    throw 'install.ps1: run it in an elevated PowerShell (Run as administrator).'
}

$sourceExe = Join-Path $From 'gateway.exe'
if (-not (Test-Path $sourceExe)) {
    throw "install.ps1: $sourceExe not found. Build it with deploy/publish.sh --rid win-x64 and run this script from that folder, or pass -From."
}
if ($Config -and -not (Test-Path $Config)) {
    throw "install.ps1: -Config $Config not found."
}

# Folders. The data folder keeps the buffer; creating an existing folder is a no-op.
foreach ($dir in @($ProgramDir, $ConfigDir, $DataDir,
                   (Join-Path $DataDir 'pki\own'), (Join-Path $DataDir 'pki\trusted'),
                   (Join-Path $DataDir 'pki\issuers'), (Join-Path $DataDir 'pki\rejected'))) {
    New-Item -ItemType Directory -Force -Path $dir | Out-Null
}

# Upgrade: stop first so the buffer is committed and closed, then replace the binary, then start.
$service = Get-Service -Name $ServiceName -ErrorAction SilentlyContinue
$binaryChanged = -not (Test-Path $Exe) -or
    ((Get-FileHash $sourceExe).Hash -ne (Get-FileHash $Exe).Hash)
if ($binaryChanged) {
    if ($service -and $service.Status -ne 'Stopped') {
        Step 'stopping the running gateway for the upgrade'
        Stop-Service -Name $ServiceName
        $service.WaitForStatus('Stopped', [TimeSpan]::FromSeconds(60))
    }
    # Copy beside, then rename: a half-copied binary is never the one the service starts.
    Copy-Item $sourceExe "$Exe.new" -Force
    Move-Item "$Exe.new" $Exe -Force
    Step "installed $Exe ($(& $Exe --version))"
}
# Reference copies (the embedded default, examples, schemas, the guide), replaced on every upgrade.
Remove-Item (Join-Path $ProgramDir 'config') -Recurse -Force -ErrorAction SilentlyContinue
Copy-Item (Join-Path $From 'config') (Join-Path $ProgramDir 'config') -Recurse -Force
if (Test-Path (Join-Path $From 'docs')) {
    Copy-Item (Join-Path $From 'docs') $ProgramDir -Recurse -Force
}

# Configuration: never overwritten unless -Config is given.
if ($Config) {
    if ((Test-Path $ConfigFile) -and ((Get-FileHash $Config).Hash -ne (Get-FileHash $ConfigFile).Hash)) {
        Copy-Item $ConfigFile "$ConfigFile.previous" -Force
        Step "kept the old configuration as $ConfigFile.previous"
    }
    Copy-Item $Config $ConfigFile -Force
} elseif (-not (Test-Path $ConfigFile)) {
    Copy-Item (Join-Path $From 'config\gateway.yaml') $ConfigFile
    Step "installed the embedded default as $ConfigFile; edit it for this factory (docs\configuration.md)"
}

# Refuse to register a service that would not start: validate with the paths the service gets.
$env:GATEWAY_DATA = $DataDir
& $Exe validate --config $ConfigFile
if ($LASTEXITCODE -ne 0) {
    throw "install.ps1: $ConfigFile has errors (listed above); fix it and run install.ps1 again."
}

# The service. The binary path carries the arguments; quotes keep the spaces in Program Files.
$binaryPath = "`"$Exe`" run --config `"$ConfigFile`""
if (-not $service) {
    New-Service -Name $ServiceName -DisplayName $DisplayName -BinaryPathName $binaryPath -StartupType Automatic | Out-Null
    Step "created the service $ServiceName"
} else {
    & sc.exe config $ServiceName binPath= $binaryPath | Out-Null
}
& sc.exe description $ServiceName 'Reads OPC UA machines, buffers readings on disk, publishes them to MQTT and InfluxDB.' | Out-Null
# Delayed start: the network (and the PLCs' switch) is up before the first connection attempt.
& sc.exe config $ServiceName start= delayed-auto | Out-Null
# The virtual account: a per-service identity without a password, granted only the folders below.
& sc.exe config $ServiceName obj= $Account | Out-Null
if ($LASTEXITCODE -ne 0) { throw "install.ps1: sc.exe config obj= $Account failed ($LASTEXITCODE)." }
# Recovery: restart after 5 s, 5 s, then 60 s; the failure count resets after a day. failureflag 1 also applies the
# actions when the service stops with a non-zero exit code (exit 2 or 3), not only when the process crashes.
& sc.exe failure $ServiceName reset= 86400 actions= restart/5000/restart/5000/restart/60000 | Out-Null
& sc.exe failureflag $ServiceName 1 | Out-Null
if ($LASTEXITCODE -ne 0) { throw "install.ps1: sc.exe failure settings were not accepted ($LASTEXITCODE)." }

# GATEWAY_DATA for the service process only (the embedded default reads ${GATEWAY_DATA:-../data}).
$serviceKey = "HKLM:\SYSTEM\CurrentControlSet\Services\$ServiceName"
New-ItemProperty -Path $serviceKey -Name Environment -PropertyType MultiString `
    -Value @("GATEWAY_DATA=$DataDir") -Force | Out-Null

# Permissions: no inheritance from ProgramData (where Users may read), so secrets in config\ stay private.
& icacls.exe $ConfigDir /inheritance:r /grant:r 'SYSTEM:(OI)(CI)F' 'Administrators:(OI)(CI)F' "${Account}:(OI)(CI)RX" | Out-Null
& icacls.exe $DataDir /inheritance:r /grant:r 'SYSTEM:(OI)(CI)F' 'Administrators:(OI)(CI)F' "${Account}:(OI)(CI)M" | Out-Null
if ($LASTEXITCODE -ne 0) { throw "install.ps1: icacls failed ($LASTEXITCODE)." }

# Event log source: registering needs an administrator, which the service account is not.
if (-not [System.Diagnostics.EventLog]::SourceExists($EventSource)) {
    [System.Diagnostics.EventLog]::CreateEventSource($EventSource, 'Application')
    Step "registered the event log source '$EventSource' (Application log)"
}

if (-not $NoStart) {
    Start-Service -Name $ServiceName
    Step "started: Get-Service $ServiceName; logs in Event Viewer > Windows Logs > Application (source '$EventSource')"
} else {
    Step "installed; start it with Start-Service $ServiceName"
}
