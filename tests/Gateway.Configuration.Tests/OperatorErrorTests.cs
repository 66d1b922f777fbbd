using Microsoft.Extensions.Logging;
using Gateway.Connectors.OpcUa;

namespace Gateway.Configuration.Tests;

/// <summary>
/// The mistakes operators make most (tabs, a key written twice, a scalar for a list, a missing secret, an empty file,
/// an enum key that is not a number, the spec's spelling of modes and policies): each gets one error at its place.
/// </summary>
public sealed class OperatorErrorTests : IDisposable
{
    private readonly ConfigDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A valid file; <paramref name="sourceExtra"/> and <paramref name="tagExtra"/> are spliced in (already indented).</summary>
    private static string Config(string sourceExtra = "", string tagExtra = "", string top = "") => $"""
        gateway:
          name: gw
        {top}sources:
          - name: s1
            endpoint: opc.tcp://10.0.0.5:4840
        {sourceExtra}    machines:
              - name: m1
                groups:
                  - name: g
                    tags:
                      - name: state
                        nodeId: ns=2;s=State
        {tagExtra}sinks:
          - type: mqtt
            name: broker
            host: 10.0.0.100
        """;

    private (ConfigurationResult Result, string Path) Load(string yaml)
    {
        var path = _dir.Write("gateway.yaml", yaml);
        return (_dir.Load(), path);
    }

    private static string Single(ConfigurationResult result)
    {
        Assert.Null(result.Config);
        return Assert.Single(result.Errors).ToString();
    }

    [Fact]
    public void A_tab_in_the_indentation_is_reported_at_the_tab_and_says_spaces()
    {
        var (result, path) = Load(Config().Replace("    endpoint:", "\t  endpoint:", StringComparison.Ordinal));

        Assert.Equal($"{path}:5:1: YAML indentation must use spaces, not tabs (replace the tab at this column)", Single(result));
    }

    [Fact]
    public void A_tab_after_spaces_is_reported_at_its_own_column()
    {
        var (result, path) = Load(Config().Replace("    endpoint:", "  \tendpoint:", StringComparison.Ordinal));

        Assert.StartsWith($"{path}:5:3: YAML indentation must use spaces", Single(result), StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_written_twice_names_both_places()
    {
        var (result, path) = Load(Config(sourceExtra: "    endpoint: opc.tcp://10.0.0.6:4840\n"));

        Assert.Equal(
            $"{path}:6:5: duplicate key 'endpoint': first written at {path}:5:5, again here at {path}:6:5; keep one of them",
            Single(result));
    }

    [Fact]
    public void A_top_level_section_written_twice_names_both_places()
    {
        var (result, path) = Load(Config() + "\nsinks:\n  - type: mqtt\n    name: other\n");

        Assert.Equal(
            $"{path}:17:1: duplicate key 'sinks': first written at {path}:13:1, again here at {path}:17:1; keep one of them",
            Single(result));
    }

    [Fact]
    public void A_missing_secret_file_is_one_error_not_a_second_about_the_password()
    {
        var (result, path) = Load(Config(sourceExtra: "    identity:\n      type: username\n      username: operator\n      password: ${file:secrets/missing}\n"));

        var error = Single(result);
        Assert.StartsWith($"{path}:9:", error, StringComparison.Ordinal);
        Assert.Contains("secrets/missing", error, StringComparison.Ordinal);
        Assert.DoesNotContain("needs both", error, StringComparison.Ordinal);

        // Without the password key at all, the cross-key rule still speaks.
        (result, path) = Load(Config(sourceExtra: "    identity:\n      type: username\n      username: operator\n"));
        Assert.Equal($"{path}:7:13: sources[0] (s1).identity: type username needs both 'username' and 'password' (use ${{ENV}} or ${{file:PATH}} for the password)", Single(result));
    }

    [Fact]
    public void A_refused_secret_hides_only_the_cross_key_problem_of_its_own_block()
    {
        // The password's block (identity) says nothing more; the security block's own mistake is still reported.
        var (result, path) = Load(Config(sourceExtra: "    identity:\n      type: username\n      username: operator\n      password: ${file:secrets/missing}\n    security:\n      mode: none\n      policy: Basic256Sha256\n"));

        Assert.Equal(2, result.Errors.Count);
        Assert.StartsWith($"{path}:9:", result.Errors[0].ToString(), StringComparison.Ordinal);
        Assert.Contains("secrets/missing", result.Errors[0].Message, StringComparison.Ordinal);
        Assert.Equal($"{path}:12:15: sources[0] (s1).security: mode none sends everything unsigned, so policy Basic256Sha256 cannot apply (use mode sign or signAndEncrypt, or remove 'policy')", result.Errors[1].ToString());
    }

    [Fact]
    public void Include_written_as_a_single_value_says_how_to_write_the_list()
    {
        var (result, path) = Load(Config(top: "include: one.yaml\n"));

        Assert.Equal($"{path}:3:10: include: expected a list, got a value; write a list, e.g. `include: [one.yaml]`, or `- one.yaml` on the next line, indented", Single(result));
    }

    [Fact]
    public void A_file_without_sources_says_what_a_minimal_file_needs()
    {
        var (result, path) = Load("gateway:\n  name: gw\nsinks:\n  - type: mqtt\n    name: broker\n");

        var error = Single(result);
        Assert.StartsWith($"{path}:1:1: no sources: the gateway would read nothing; a minimal file is ", error, StringComparison.Ordinal);
        Assert.Contains("config/examples/minimal.yaml", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_without_sinks_says_what_a_minimal_file_needs()
    {
        var yaml = Config();
        var (result, path) = Load(yaml[..yaml.IndexOf("sinks:", StringComparison.Ordinal)]);

        Assert.StartsWith($"{path}:1:1: no sinks: the gateway would have nowhere to send its readings; a minimal file is ", Single(result), StringComparison.Ordinal);
    }

    [Fact]
    public void The_shipped_minimal_example_is_what_the_message_promises_and_it_is_valid()
    {
        var example = Gateway.Testing.RepositoryPaths.Combine("config", "examples", "minimal.yaml");
        var result = ConfigurationLoader.Load(example, FakeSinkPlugins.Registry(), _ => null);

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Single(result.Config!.Sources);
        Assert.Single(result.Config.Sinks);
    }

    [Fact]
    public void An_enum_key_that_is_not_a_whole_number_is_refused_at_the_key()
    {
        var (result, path) = Load(Config(tagExtra: "                normalize:\n                  enum: {0: STOPPED, one: RUNNING}\n"));

        Assert.Equal(
            $"{path}:14:38: sources[0] (s1).machines[0] (m1).groups[0] (g).tags[0] (state).normalize.enum key 'one' is not a whole number; enum maps numbers to names, e.g. {{0: STOPPED, 1: RUNNING}}.",
            Single(result));
    }

    [Fact]
    public void An_enum_naming_one_number_twice_is_refused_at_the_second_key()
    {
        var (result, path) = Load(Config(top: "normalize:\n  enum:\n    1: RUNNING\n    01: STARTING\n"));

        Assert.Equal($"{path}:6:5: normalize.enum names the number 1 twice (keys '1' and '01'); keep one entry.", Single(result));
    }

    [Fact]
    public void An_enum_with_type_string_inherited_from_another_level_is_refused_at_the_tag()
    {
        var (result, path) = Load(Config(top: "normalize:\n  type: string\n", tagExtra: "                normalize:\n                  enum: {0: STOPPED}\n"));

        Assert.Equal($"{path}:13:17: tag 'state' of machine 'm1': normalize.enum maps numbers, but normalize.type: string turns the value into text first; remove one of them.", Single(result));
    }

    [Theory]
    [InlineData("basic256sha256", "Basic256Sha256")]
    [InlineData("http://opcfoundation.org/UA/SecurityPolicy#Aes256_Sha256_RsaPss", "Aes256_Sha256_RsaPss")]
    [InlineData("http://opcfoundation.org/UA/SecurityPolicy#aes128_sha256_rsaoaep", "Aes128_Sha256_RsaOaep")]
    public void Security_policies_are_accepted_by_short_name_or_full_uri_in_any_case_with_the_mode_in_any_case(string written, string stored)
    {
        var (result, _) = Load(Config(sourceExtra: $"    security:\n      mode: SignAndEncrypt\n      policy: {written}\n"));

        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(stored, ((OpcUaSourceOptions)result.Config!.Sources[0].Options!).Security.Policy);
        Assert.Equal("signAndEncrypt", ((OpcUaSourceOptions)result.Config.Sources[0].Options!).Security.Mode);
    }

    [Fact]
    public async Task Hot_reload_refuses_a_bad_enum_key_and_keeps_the_running_configuration()
    {
        _dir.Write("gateway.yaml", Config(tagExtra: "                normalize:\n                  enum: {0: STOPPED, 1: RUNNING}\n"));
        var initial = _dir.Load();
        Assert.True(initial.IsValid, string.Join("\n", initial.Errors));
        using var watcher = new ConfigurationWatcher(initial, FakeSinkPlugins.Registry(), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, TimeSpan.FromMilliseconds(200), _dir.Lookup);
        var rejected = new TaskCompletionSource<ConfigurationRejectedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        var changed = false;
        watcher.Rejected += (_, e) => rejected.TrySetResult(e);
        watcher.Changed += (_, _) => changed = true;
        watcher.Start();

        var path = _dir.Write("gateway.yaml", Config(tagExtra: "                normalize:\n                  enum: {0: STOPPED, one: RUNNING}\n"));
        var refused = await rejected.Task.WaitAsync(TimeSpan.FromSeconds(15));

        Assert.StartsWith($"{path}:14:38: ", Assert.Single(refused.Rejected.Errors).ToString(), StringComparison.Ordinal);
        Assert.False(changed);
        Assert.Same(initial, watcher.Current);
        Assert.Equal("RUNNING", initial.Tags.Single().Normalize.Enum!["1"]);
    }
}
