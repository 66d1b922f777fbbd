using System.Diagnostics;
using Gateway.Testing;

namespace Gateway.Deploy.Tests;

/// <summary>
/// The linux-x64 single file, built once per test run by deploy/publish.sh exactly as a release is built
/// (into a temp folder, with a version only this run uses), shared by every test class in the collection.
/// </summary>
public sealed class PublishedGateway : IDisposable
{
    public const string StampedVersion = "9.8.7-deploytest.1";

    public PublishedGateway()
    {
        Root = RepositoryPaths.NewTempDirectory("gateway-publish");
        var result = CommandRunner.Run(
            "bash",
            [RepositoryPaths.Combine("deploy", "publish.sh"), "--rid", "linux-x64", "--version", StampedVersion, "--output", Root],
            TimeSpan.FromMinutes(10));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"deploy/publish.sh failed ({result.ExitCode}):\n{result.Output}");
        }

        Directory = Path.Combine(Root, "linux-x64");
        Executable = Path.Combine(Directory, "gateway");
        PublishOutput = result.Output;
    }

    /// <summary>The --output folder given to publish.sh.</summary>
    public string Root { get; }

    /// <summary>The install bundle: the executable, config/, docs/, the installer and the unit.</summary>
    public string Directory { get; }

    public string Executable { get; }

    public string PublishOutput { get; }

    public CommandResult Run(params string[] args) => CommandRunner.Run(Executable, args, TimeSpan.FromSeconds(60));

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // a leftover temp folder is harmless
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PublishedGatewayCollection : ICollectionFixture<PublishedGateway>
{
    public const string Name = "published gateway";
}

/// <summary>What a finished child process printed and returned.</summary>
public sealed record CommandResult(int ExitCode, string StandardOutput, string StandardError)
{
    public string Output => StandardOutput + StandardError;
}

/// <summary>Runs a program to its end with its output captured; kills it when it overruns.</summary>
public static class CommandRunner
{
    public static CommandResult Run(
        string fileName,
        IEnumerable<string> args,
        TimeSpan timeout,
        string? workingDirectory = null,
        IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? RepositoryPaths.Root,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                info.Environment[key] = value;
            }
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"{fileName} {string.Join(' ', args)} did not finish within {timeout}:\n{stdout.Result}{stderr.Result}");
        }

        process.WaitForExit();
        return new CommandResult(process.ExitCode, stdout.Result, stderr.Result);
    }
}
