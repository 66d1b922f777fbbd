using System.CommandLine;
using Gateway.Configuration;
using Gateway.Connectors.OpcUa;
using Gateway.OpcUa.Client;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;

namespace Gateway.Host.CommandLine;

/// <summary>
/// `gateway ack SOURCE CONDITIONID EVENTID --comment TEXT [--confirm]`: acknowledges (or confirms) an alarm on the server
/// of a configured source, through the Acknowledge / Confirm method of the condition (Part 9, 5.7.3 and 5.7.4), with
/// that source's security and identity, so the server applies that user's rights. The gateway only reads unless a
/// source says `allowAck: true`; the ConditionId and EventId are the `conditionId` and `eventId` of the alarm's event.
/// </summary>
public static class AckCommand
{
    public static Command Create()
    {
        var source = new Argument<string>("SOURCE") { Description = "The name of an OPC UA source of the configuration (it must set allowAck: true)." };
        var condition = new Argument<string>("CONDITIONID") { Description = "The condition's NodeId: the `conditionId` of its event (ns=2;s=..., nsu=URI;s=...)." };
        var eventId = new Argument<string>("EVENTID") { Description = "The `eventId` (base64) of the event being acknowledged: the server refuses a stale one." };
        var comment = new Option<string>("--comment") { Description = "The comment the server records with the acknowledgement.", Required = true, HelpName = "TEXT" };
        var confirm = new Option<bool>("--confirm") { Description = "Confirm instead of acknowledge (Part 9: after the alarm is acknowledged and inactive)." };
        var config = GatewayCommandLine.ConfigOption();
        var command = new Command("ack", "Acknowledge or confirm an OPC UA alarm, as a source's identity (needs allowAck: true on the source).") { source, condition, eventId, comment, confirm, config };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            var output = parse.InvocationConfiguration.Output;
            var path = ConfigPath.Resolve(parse.GetValue(config));
            var loaded = ConfigurationLoader.Load(path, GatewayPlugins.Create());
            if (loaded.Config is not { } gateway)
            {
                foreach (var problem in loaded.Errors)
                {
                    error.WriteLine(problem.ToString());
                }

                return ExitCodes.InvalidConfiguration;
            }

            var name = parse.GetValue(source)!;
            var configured = gateway.Sources.FirstOrDefault(s => s.Name == name);
            if (configured?.Options is not OpcUaSourceOptions options)
            {
                var known = string.Join(", ", gateway.Sources.Where(s => s.Options is OpcUaSourceOptions).Select(s => s.Name));
                error.WriteLine($"gateway ack: {path} has no OPC UA source '{name}' (OPC UA sources: {(known.Length == 0 ? "none" : known)}).");
                return ExitCodes.Usage;
            }

            if (!options.AllowAck)
            {
                error.WriteLine($"gateway ack: source '{name}' is read-only: acknowledging its alarms is off. Set `allowAck: true` on the source in {path} to allow it (with its identity's rights on the server).");
                return ExitCodes.Usage;
            }

            byte[] id;
            try
            {
                id = Convert.FromBase64String(parse.GetValue(eventId)!);
            }
            catch (FormatException)
            {
                error.WriteLine("gateway ack: EVENTID is not base64; give the `eventId` of the alarm's event as it is.");
                return ExitCodes.Usage;
            }

            var method = parse.GetValue(confirm) ? EventTypes.Confirm : EventTypes.Acknowledge;
            var verb = parse.GetValue(confirm) ? "confirmed" : "acknowledged";
            try
            {
                var security = OpcUaClientSecurity.ForService(gateway.Pki.ToApplicationIdentity(gateway.Gateway.DataDirectory), line => output.WriteLine(line));
                var clientOptions = security.Apply(
                    new OpcUaClientOptions { KeepAliveInterval = TimeSpan.Zero, SessionName = $"gateway ack {name}", Channel = new() { RequestTimeout = TimeSpan.FromMilliseconds(options.RequestTimeoutMs) } },
                    options.Security,
                    options.Identity,
                    warning => error.WriteLine($"gateway ack: {warning}"));
                await using var client = await OpcUaClient.ConnectAsync(options.Endpoint, clientOptions, cancellationToken);
                var conditionId = client.ResolveNodeId(parse.GetValue(condition)!);
                await client.CallAsync(
                    conditionId,
                    method,
                    [Variant.FromObject(BuiltInType.ByteString, id), Variant.FromObject(BuiltInType.LocalizedText, new LocalizedText(parse.GetValue(comment)))],
                    cancellationToken);
                output.WriteLine($"{conditionId} {verb} on {options.Endpoint} as source {name}");
                return ExitCodes.Ok;
            }
            catch (UaException e)
            {
                var hint = e.StatusCode switch
                {
                    StatusCodes.BadUserAccessDenied => $" The identity of source '{name}' may not do this on the server.",
                    StatusCodes.BadEventIdUnknown => " The alarm changed since that event: give the eventId of its latest event.",
                    StatusCodes.BadConditionBranchAlreadyAcked => " It is acknowledged already.",
                    StatusCodes.BadConditionBranchAlreadyConfirmed => " It is confirmed already.",
                    _ => "",
                };
                error.WriteLine($"gateway ack: {e.Message} ({e.StatusName}).{hint}");
                return ExitCodes.ConnectionError;
            }
            catch (FormatException e)
            {
                error.WriteLine($"gateway ack: CONDITIONID: {e.Message}");
                return ExitCodes.Usage;
            }
        });
        return command;
    }
}
