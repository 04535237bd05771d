# Starts and stops the built emulator as a child process: the one launcher for ./build.ps1 (Demo, Shell) and the Pester
# helpers. Dot-source it. Windows PowerShell 5.1 and PowerShell 7; nothing is written to disk, so nothing is left behind.

function Start-EmulatorProcess {
    <# Starts Ec2Capacity.Emulator.dll on 127.0.0.1 (-Port 0: a free port the emulator picks); returns { Url; Process }. #>
    param(
        [Parameter(Mandatory)] [string] $Dll,
        [string] $SeedFile,
        [int] $Port = 0,
        [int] $TimeoutSeconds = 60
    )
    if (-not (Test-Path -LiteralPath $Dll)) {
        throw "The emulator is not built: $Dll does not exist (run 'dotnet build Ec2Capacity.sln' first)."
    }
    $start = New-Object System.Diagnostics.ProcessStartInfo 'dotnet'
    # The built DLL is started directly (not 'dotnet run'), so the process stopped below is the emulator itself.
    $start.Arguments = '"{0}" --port {1}' -f $Dll, $Port
    if ($SeedFile) { $start.Arguments += ' --seed "{0}"' -f (Resolve-Path -LiteralPath $SeedFile).Path }
    $start.UseShellExecute = $false
    $start.RedirectStandardOutput = $true
    $start.RedirectStandardError = $true
    $process = [System.Diagnostics.Process]::Start($start)
    $errors = New-Object System.IO.MemoryStream
    $null = $process.StandardError.BaseStream.CopyToAsync($errors)
    try {
        # Await the line the emulator prints when it is ready; the end of its output means it exited.
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        while ($true) {
            $line = $process.StandardOutput.ReadLineAsync()
            $left = [int][Math]::Max(0, ($deadline - [DateTime]::UtcNow).TotalMilliseconds)
            if (-not $line.Wait($left)) {
                throw "The emulator did not say 'listening on' within $TimeoutSeconds seconds."
            }
            if ($null -eq $line.Result) {
                $null = $process.WaitForExit(5000)
                $text = [System.Text.Encoding]::UTF8.GetString($errors.ToArray()).Trim()
                throw "The emulator exited with code $($process.ExitCode): $text"
            }
            if ($line.Result -match 'listening on (http://[^\s/]+)') {
                # Keep draining its output, so that it never blocks on a full pipe.
                $null = $process.StandardOutput.BaseStream.CopyToAsync([System.IO.Stream]::Null)
                return [pscustomobject]@{ Url = $Matches[1] + '/'; Process = $process }
            }
        }
    }
    catch {
        Stop-EmulatorProcess -Emulator ([pscustomobject]@{ Process = $process })
        throw
    }
}

function Stop-EmulatorProcess {
    <# Stops the emulator (if still running) and waits for it to be gone. Safe to call twice or with $null. #>
    param($Emulator)
    if ($null -eq $Emulator -or $null -eq $Emulator.Process) { return }
    $process = $Emulator.Process
    # On Linux and macOS a SIGTERM lets the emulator stop cleanly and remove the runtime's diagnostic pipes in the temp
    # folder, which a kill would leave behind. Windows has no such files: a kill is a clean stop there.
    $unix = [System.Environment]::OSVersion.Platform -eq [System.PlatformID]::Unix
    if ($unix -and -not $process.HasExited) {
        & kill -s TERM $process.Id 2>$null
        $null = $process.WaitForExit(10000)
    }
    if (-not $process.HasExited) {
        try { $process.Kill() } catch [System.InvalidOperationException] { }
    }
    $null = $process.WaitForExit(10000)
    $process.Dispose()
}
