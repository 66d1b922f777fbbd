<#
.SYNOPSIS
  Removes the Changwon Edge Gateway service and its program folder. Keeps the data and the configuration.

.DESCRIPTION
  In an elevated PowerShell:
    powershell -ExecutionPolicy Bypass -File .\uninstall.ps1

  Kept: C:\ProgramData\ChangwonEdgeGateway\data (the buffer with readings not yet delivered, and pki\ with the
  gateway's certificate that the PLCs trust) and ...\config. Delete that folder by hand only when the buffer is
  empty (`gateway buffer stats`) and the certificate is no longer needed.

  Not tested by the project's CI (no Windows there); see docs/deploy.md.
#>
[CmdletBinding()]
param()

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$ServiceName = 'ChangwonEdgeGateway'
$EventSource = 'gateway'
$ProgramDir  = Join-Path $env:ProgramFiles $ServiceName
$DataRoot    = Join-Path $env:ProgramData $ServiceName

function Step([string] $Text) { Write-Host "uninstall.ps1: $Text" }

$principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
    throw 'uninstall.ps1: run it in an elevated PowerShell (Run as administrator).'
}

$service = Get-Service -Name $ServiceName -ErrorAction SilentlyContinue
if ($service) {
    if ($service.Status -ne 'Stopped') {
        # A normal stop: the gateway commits the buffer before it exits.
        Stop-Service -Name $ServiceName
        $service.WaitForStatus('Stopped', [TimeSpan]::FromSeconds(60))
    }
    & sc.exe delete $ServiceName | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "uninstall.ps1: sc.exe delete $ServiceName failed ($LASTEXITCODE)." }
    Step "removed the service $ServiceName"
}

if (Test-Path $ProgramDir) {
    Remove-Item $ProgramDir -Recurse -Force
    Step "removed $ProgramDir"
}

# The source registration only; events already written stay in the Application log.
if ([System.Diagnostics.EventLog]::SourceExists($EventSource)) {
    [System.Diagnostics.EventLog]::DeleteEventSource($EventSource)
}

Step "kept $DataRoot (data\: the buffer and pki\; config\: the configuration)"
