using System.Collections.Concurrent;
using System.Security.Cryptography;
using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Server.AddressSpace;
using Gateway.OpcUa.Server.Channels;
using Gateway.OpcUa.Server.Services;
using Gateway.OpcUa.Server.Sessions;
using Gateway.OpcUa.Server.Subscriptions;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;
using Microsoft.Extensions.Logging;

namespace Gateway.OpcUa.Server;

/// <summary>
/// Answers decoded service requests against an address space (Part 4, 5): one method per service, grouped in partial
/// files by service set. A request that fails as a whole gets a ServiceFault with the reason; per-operation failures
/// go in the results. Publish is the exception: it is parked and answered by the <see cref="PublishEngine"/>.
/// </summary>
public sealed partial class ServiceDispatcher
{
    /// <summary>Part 7: the URI of SecurityPolicy None, the only policy this server offers.</summary>
    public const string SecurityPolicyNoneUri = "http://opcfoundation.org/UA/SecurityPolicy#None";

    private readonly ConcurrentDictionary<NodeId, ServerSession> _sessionsByToken = new();
    private readonly ConcurrentDictionary<uint, Subscription> _subscriptions = new();
    private readonly ILogger _logger;
    private int _nextSubscriptionId;
    private int _nextSessionNumber;

    public ServiceDispatcher(UaAddressSpace addressSpace, UaServerOptions options, ILogger logger)
    {
        AddressSpace = addressSpace;
        Options = options;
        Limits = options.Limits;
        _logger = logger;
        addressSpace.Events.Raised += OnEvent;
    }

    public UaAddressSpace AddressSpace { get; }

    public UaServerOptions Options { get; }

    public ServerLimits Limits { get; }

    /// <summary>The endpoint URL clients are told about (set by the server once its port is known).</summary>
    public string EndpointUrl { get; set; } = "";

    /// <summary>Told when something may be due earlier than the publish engine planned (UTC ticks): it sleeps until then.</summary>
    internal Action<long>? ScheduleChanged { get; set; }

    public int SessionCount => _sessionsByToken.Count;

    public int SubscriptionCount => _subscriptions.Count;

    internal IEnumerable<ServerSession> Sessions => _sessionsByToken.Values;

    /// <summary>Handles one request; returns its response, or null when the response comes later (Publish).</summary>
    public IServiceMessage? Dispatch(ServiceRequest request, ServiceContext context)
    {
        try
        {
            var response = request switch
            {
                GetEndpointsRequest r => GetEndpoints(r),
                CreateSessionRequest r => CreateSession(r, context),
                ActivateSessionRequest r => ActivateSession(r, context),
                CloseSessionRequest r => CloseSession(r),
                UnsupportedRequest r => throw new ServiceFaultException(StatusCodes.BadServiceUnsupported, $"service {r.TypeId} is not supported by this server"),
                _ => DispatchInSession(request, context),
            };
            if (response is ServiceResponse typed)
            {
                typed.ResponseHeader.RequestHandle = request.RequestHeader.RequestHandle;
                typed.ResponseHeader.Timestamp = DateTime.UtcNow;
            }

            return response;
        }
        catch (ServiceFaultException e)
        {
            return Fault(request.RequestHeader.RequestHandle, e.StatusCode);
        }
    }

    public static ServiceFault Fault(uint requestHandle, uint status) => new()
    {
        ResponseHeader = new ResponseHeader { RequestHandle = requestHandle, ServiceResult = new StatusCode(status), Timestamp = DateTime.UtcNow },
    };

    private IServiceMessage? DispatchInSession(ServiceRequest request, ServiceContext context)
    {
        var session = RequireSession(request.RequestHeader, context);
        return request switch
        {
            ReadRequest r => Read(r),
            BrowseRequest r => Browse(r, session),
            BrowseNextRequest r => BrowseNext(r, session),
            TranslateBrowsePathsToNodeIdsRequest r => TranslateBrowsePaths(r),
            CreateSubscriptionRequest r => CreateSubscription(r, session),
            ModifySubscriptionRequest r => ModifySubscription(r, session),
            SetPublishingModeRequest r => SetPublishingMode(r, session),
            DeleteSubscriptionsRequest r => DeleteSubscriptions(r, session),
            TransferSubscriptionsRequest r => TransferSubscriptions(r, session, context),
            CreateMonitoredItemsRequest r => CreateMonitoredItems(r, session),
            ModifyMonitoredItemsRequest r => ModifyMonitoredItems(r, session),
            SetMonitoringModeRequest r => SetMonitoringMode(r, session),
            DeleteMonitoredItemsRequest r => DeleteMonitoredItems(r, session),
            PublishRequest r => Publish(r, session, context),
            RepublishRequest r => Republish(r, session),
            CallRequest r => Call(r, session),
            _ => throw new ServiceFaultException(StatusCodes.BadServiceUnsupported, $"{request.GetType().Name} is not supported by this server"),
        };
    }

    private ServerSession RequireSession(RequestHeader header, ServiceContext context)
    {
        if (!_sessionsByToken.TryGetValue(header.AuthenticationToken, out var session) || session.IsClosed)
        {
            throw new ServiceFaultException(StatusCodes.BadSessionIdInvalid, "no session has this authentication token");
        }

        if (!session.IsActivated)
        {
            throw new ServiceFaultException(StatusCodes.BadSessionNotActivated, "the session is not activated");
        }

        // Part 4, 5.6.3: a session is bound to the channel that activated it.
        if (session.Channel.ChannelId != context.Channel.ChannelId)
        {
            throw new ServiceFaultException(StatusCodes.BadSecureChannelIdInvalid, "the session belongs to another secure channel; activate it on this one first");
        }

        session.Touch();
        return session;
    }

    private static void CheckCount(int? count, uint max)
    {
        if (count is null or 0)
        {
            throw new ServiceFaultException(StatusCodes.BadNothingToDo, "the request has no operations");
        }

        if (max != 0 && count > max)
        {
            throw new ServiceFaultException(StatusCodes.BadTooManyOperations, $"{count} operations exceed the limit of {max}");
        }
    }

    private EndpointDescription[] Endpoints() =>
    [
        new EndpointDescription
        {
            EndpointUrl = EndpointUrl,
            Server = new ApplicationDescription
            {
                ApplicationUri = Options.ApplicationUri,
                ProductUri = Options.ProductUri,
                ApplicationName = new LocalizedText(Options.ApplicationName),
                ApplicationType = ApplicationType.Server,
                DiscoveryUrls = [EndpointUrl],
            },
            SecurityMode = MessageSecurityMode.None,
            SecurityPolicyUri = SecurityPolicyNoneUri,
            UserIdentityTokens = UserTokenPolicies(),
            TransportProfileUri = "http://opcfoundation.org/UA-Profile/Transport/uatcp-uasc-uabinary",
            SecurityLevel = 0,
        },
    ];

    private UserTokenPolicy[] UserTokenPolicies()
    {
        var policies = new List<UserTokenPolicy>();
        if (Options.AllowAnonymous)
        {
            policies.Add(new UserTokenPolicy { PolicyId = "anonymous", TokenType = UserTokenType.Anonymous });
        }

        if (Options.Users.Count > 0)
        {
            policies.Add(new UserTokenPolicy
            {
                PolicyId = "username",
                TokenType = UserTokenType.UserName,
                SecurityPolicyUri = SecurityPolicyNoneUri,
            });
        }

        return [.. policies];
    }

    private GetEndpointsResponse GetEndpoints(GetEndpointsRequest request)
    {
        var transport = "http://opcfoundation.org/UA-Profile/Transport/uatcp-uasc-uabinary";
        var wanted = request.ProfileUris is { Length: > 0 } profiles && !profiles.Contains(transport);
        return new GetEndpointsResponse { Endpoints = wanted ? [] : Endpoints() };
    }

    private CreateSessionResponse CreateSession(CreateSessionRequest request, ServiceContext context)
    {
        if (_sessionsByToken.Count >= Limits.MaxSessions)
        {
            throw new ServiceFaultException(StatusCodes.BadTooManySessions, $"the server already has {Limits.MaxSessions} sessions");
        }

        var timeout = Math.Clamp(request.RequestedSessionTimeout <= 0 ? 60_000 : request.RequestedSessionTimeout, Limits.MinSessionTimeoutMs, Limits.MaxSessionTimeoutMs);
        var number = Interlocked.Increment(ref _nextSessionNumber);
        var session = new ServerSession(
            new NodeId(1, $"session-{number}"),
            new NodeId(1, Guid.NewGuid()),
            request.SessionName ?? $"session-{number}",
            timeout,
            context.Channel);
        _sessionsByToken[session.AuthenticationToken] = session;
        ScheduleChanged?.Invoke(session.TimeoutDueTicks);
        _logger.LogDebug("session {Name} created on channel {Channel}", session.Name, context.Channel.ChannelId);
        return new CreateSessionResponse
        {
            SessionId = session.SessionId,
            AuthenticationToken = session.AuthenticationToken,
            RevisedSessionTimeout = timeout,
            ServerNonce = RandomNumberGenerator.GetBytes(32),
            ServerEndpoints = Endpoints(),
            MaxRequestMessageSize = Limits.MaxMessageSize,
        };
    }

    private ActivateSessionResponse ActivateSession(ActivateSessionRequest request, ServiceContext context)
    {
        if (!_sessionsByToken.TryGetValue(request.RequestHeader.AuthenticationToken, out var session) || session.IsClosed)
        {
            throw new ServiceFaultException(StatusCodes.BadSessionIdInvalid, "no session has this authentication token");
        }

        var user = Authenticate(request.UserIdentityToken);
        if (session.IsActivated && !string.Equals(session.UserName, user, StringComparison.Ordinal) && session.Channel.ChannelId != context.Channel.ChannelId)
        {
            // Part 4, 5.6.3.1: moving a session to another channel needs the same user.
            throw new ServiceFaultException(StatusCodes.BadIdentityTokenRejected, "a session moves to a new channel only with the same user");
        }

        session.UserName = user;
        session.Channel = context.Channel;
        session.IsActivated = true;
        session.Touch();
        return new ActivateSessionResponse { ServerNonce = RandomNumberGenerator.GetBytes(32), Results = [], DiagnosticInfos = [] };
    }

    /// <summary>Checks the identity token (Part 4, 7.40); returns the user name, or null for anonymous.</summary>
    private string? Authenticate(ExtensionObject token)
    {
        switch (token.Body)
        {
            case UserNameIdentityToken userName:
                if (userName.EncryptionAlgorithm is { Length: > 0 })
                {
                    throw new ServiceFaultException(StatusCodes.BadIdentityTokenInvalid, "encrypted passwords are not supported on security policy None");
                }

                var password = userName.Password is null ? "" : System.Text.Encoding.UTF8.GetString(userName.Password);
                if (userName.UserName is null || !Options.Users.TryGetValue(userName.UserName, out var expected) || !string.Equals(expected, password, StringComparison.Ordinal))
                {
                    throw new ServiceFaultException(StatusCodes.BadUserAccessDenied, "unknown user or wrong password");
                }

                return userName.UserName;
            case AnonymousIdentityToken:
            case null when token.TypeId.IsNull:
                // Part 4, 5.6.3.2: a null identity token means anonymous.
                if (!Options.AllowAnonymous)
                {
                    throw new ServiceFaultException(StatusCodes.BadIdentityTokenRejected, "anonymous access is disabled; log in with a user name");
                }

                return null;
            default:
                throw new ServiceFaultException(StatusCodes.BadIdentityTokenInvalid, $"identity token {token.TypeId} is not supported (anonymous and user name are)");
        }
    }

    private CloseSessionResponse CloseSession(CloseSessionRequest request)
    {
        if (!_sessionsByToken.TryRemove(request.RequestHeader.AuthenticationToken, out var session))
        {
            throw new ServiceFaultException(StatusCodes.BadSessionIdInvalid, "no session has this authentication token");
        }

        CloseSession(session);
        return new CloseSessionResponse();
    }

    internal void CloseSession(ServerSession session)
    {
        _sessionsByToken.TryRemove(session.AuthenticationToken, out _);
        foreach (var subscription in session.Close())
        {
            // Part 4, 5.6.4: a kept subscription waits for TransferSubscriptions; this server does not keep
            // subscriptions of a closed session (DeleteSubscriptions = false behaves as true).
            _subscriptions.TryRemove(subscription.Id, out _);
            subscription.Close();
        }

        foreach (var parked in session.TakeExpiredParked(DateTime.UtcNow.Ticks, all: true))
        {
            parked.Channel.Send(parked.RequestId, Fault(parked.RequestHandle, StatusCodes.BadSessionClosed));
        }
    }
}

/// <summary>Ends a service call with a ServiceFault carrying <see cref="StatusCode"/>.</summary>
public sealed class ServiceFaultException : Exception
{
    public ServiceFaultException(uint statusCode, string message)
        : base(message) => StatusCode = statusCode;

    public ServiceFaultException()
    {
    }

    public ServiceFaultException(string message)
        : base(message)
    {
    }

    public ServiceFaultException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public uint StatusCode { get; } = StatusCodes.BadUnexpectedError;
}
