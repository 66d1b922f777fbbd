namespace Gateway.OpcUa.Types;

/// <summary>Named StatusCodes (Part 4, 7.39 and Part 6, A.2), with a reverse table for messages.</summary>
public static class StatusCodes
{
    public const uint Good = 0x00000000;

    public const uint Uncertain = 0x40000000;

    public const uint Bad = 0x80000000;

    public const uint BadUnexpectedError = 0x80010000;

    public const uint BadInternalError = 0x80020000;

    public const uint BadOutOfMemory = 0x80030000;

    public const uint BadResourceUnavailable = 0x80040000;

    public const uint BadCommunicationError = 0x80050000;

    public const uint BadEncodingError = 0x80060000;

    public const uint BadDecodingError = 0x80070000;

    public const uint BadEncodingLimitsExceeded = 0x80080000;

    public const uint BadRequestTooLarge = 0x80B80000;

    public const uint BadResponseTooLarge = 0x80B90000;

    public const uint BadUnknownResponse = 0x80090000;

    public const uint BadTimeout = 0x800A0000;

    public const uint BadServiceUnsupported = 0x800B0000;

    public const uint BadShutdown = 0x800C0000;

    public const uint BadServerNotConnected = 0x800D0000;

    public const uint BadServerHalted = 0x800E0000;

    public const uint BadNothingToDo = 0x800F0000;

    public const uint BadTooManyOperations = 0x80100000;

    public const uint BadTooManyMonitoredItems = 0x80DB0000;

    public const uint BadDataTypeIdUnknown = 0x80110000;

    public const uint BadCertificateInvalid = 0x80120000;

    public const uint BadSecurityChecksFailed = 0x80130000;

    public const uint BadCertificateTimeInvalid = 0x80140000;

    public const uint BadCertificateUntrusted = 0x801A0000;

    public const uint BadUserAccessDenied = 0x801F0000;

    public const uint BadIdentityTokenInvalid = 0x80200000;

    public const uint BadIdentityTokenRejected = 0x80210000;

    public const uint BadSecureChannelIdInvalid = 0x80220000;

    public const uint BadInvalidTimestamp = 0x80230000;

    public const uint BadNonceInvalid = 0x80240000;

    public const uint BadSessionIdInvalid = 0x80250000;

    public const uint BadSessionClosed = 0x80260000;

    public const uint BadSessionNotActivated = 0x80270000;

    public const uint BadSubscriptionIdInvalid = 0x80280000;

    public const uint BadRequestHeaderInvalid = 0x802A0000;

    public const uint BadTimestampsToReturnInvalid = 0x802B0000;

    public const uint BadRequestCancelledByClient = 0x802C0000;

    public const uint BadNoCommunication = 0x80310000;

    public const uint BadWaitingForInitialData = 0x80320000;

    public const uint BadNodeIdInvalid = 0x80330000;

    public const uint BadNodeIdUnknown = 0x80340000;

    public const uint BadAttributeIdInvalid = 0x80350000;

    public const uint BadIndexRangeInvalid = 0x80360000;

    public const uint BadIndexRangeNoData = 0x80370000;

    public const uint BadDataEncodingInvalid = 0x80380000;

    public const uint BadDataEncodingUnsupported = 0x80390000;

    public const uint BadNotReadable = 0x803A0000;

    public const uint BadNotWritable = 0x803B0000;

    public const uint BadOutOfRange = 0x803C0000;

    public const uint BadNotSupported = 0x803D0000;

    public const uint BadNotFound = 0x803E0000;

    public const uint BadObjectDeleted = 0x803F0000;

    public const uint BadNotImplemented = 0x80400000;

    public const uint BadMonitoringModeInvalid = 0x80410000;

    public const uint BadMonitoredItemIdInvalid = 0x80420000;

    public const uint BadMonitoredItemFilterInvalid = 0x80430000;

    public const uint BadMonitoredItemFilterUnsupported = 0x80440000;

    public const uint BadFilterNotAllowed = 0x80450000;

    public const uint BadContinuationPointInvalid = 0x804A0000;

    public const uint BadNoContinuationPoints = 0x804B0000;

    public const uint BadReferenceTypeIdInvalid = 0x804C0000;

    public const uint BadBrowseDirectionInvalid = 0x804D0000;

    public const uint BadNodeNotInView = 0x804E0000;

    public const uint BadServerUriInvalid = 0x804F0000;

    public const uint BadServerNameMissing = 0x80500000;

    public const uint BadDiscoveryUrlMissing = 0x80510000;

    public const uint BadSempahoreFileMissing = 0x80520000;

    public const uint BadRequestTypeInvalid = 0x80530000;

    public const uint BadSecurityModeRejected = 0x80540000;

    public const uint BadSecurityPolicyRejected = 0x80550000;

    public const uint BadTooManySessions = 0x80560000;

    public const uint BadUserSignatureInvalid = 0x80570000;

    public const uint BadApplicationSignatureInvalid = 0x80580000;

    public const uint BadNoValidCertificates = 0x80590000;

    public const uint BadRequestCancelledByRequest = 0x805A0000;

    public const uint BadParentNodeIdInvalid = 0x805B0000;

    public const uint BadReferenceNotAllowed = 0x805C0000;

    public const uint BadNodeIdRejected = 0x805D0000;

    public const uint BadNodeIdExists = 0x805E0000;

    public const uint BadNodeClassInvalid = 0x805F0000;

    public const uint BadBrowseNameInvalid = 0x80600000;

    public const uint BadBrowseNameDuplicated = 0x80610000;

    public const uint BadNodeAttributesInvalid = 0x80620000;

    public const uint BadTypeDefinitionInvalid = 0x80630000;

    public const uint BadSourceNodeIdInvalid = 0x80640000;

    public const uint BadTargetNodeIdInvalid = 0x80650000;

    public const uint BadDuplicateReferenceNotAllowed = 0x80660000;

    public const uint BadInvalidSelfReference = 0x80670000;

    public const uint BadReferenceLocalOnly = 0x80680000;

    public const uint BadNoDeleteRights = 0x80690000;

    public const uint BadServerIndexInvalid = 0x806A0000;

    public const uint BadViewIdUnknown = 0x806B0000;

    public const uint BadTypeMismatch = 0x80740000;

    public const uint BadMethodInvalid = 0x80750000;

    public const uint BadArgumentsMissing = 0x80760000;

    public const uint BadTooManySubscriptions = 0x80770000;

    public const uint BadTooManyPublishRequests = 0x80780000;

    public const uint BadNoSubscription = 0x80790000;

    public const uint BadSequenceNumberUnknown = 0x807A0000;

    public const uint BadMessageNotAvailable = 0x807B0000;

    public const uint BadInsufficientClientProfile = 0x807C0000;

    public const uint BadTcpServerTooBusy = 0x807D0000;

    public const uint BadTcpMessageTypeInvalid = 0x807E0000;

    public const uint BadTcpSecureChannelUnknown = 0x807F0000;

    public const uint BadTcpMessageTooLarge = 0x80800000;

    public const uint BadTcpNotEnoughResources = 0x80810000;

    public const uint BadTcpInternalError = 0x80820000;

    public const uint BadTcpEndpointUrlInvalid = 0x80830000;

    public const uint BadRequestInterrupted = 0x80840000;

    public const uint BadRequestTimeout = 0x80850000;

    public const uint BadSecureChannelClosed = 0x80860000;

    public const uint BadSecureChannelTokenUnknown = 0x80870000;

    public const uint BadSequenceNumberInvalid = 0x80880000;

    public const uint BadProtocolVersionUnsupported = 0x80BE0000;

    public const uint BadConfigurationError = 0x80890000;

    public const uint BadNotConnected = 0x808A0000;

    public const uint BadDeviceFailure = 0x808B0000;

    public const uint BadSensorFailure = 0x808C0000;

    public const uint BadOutOfService = 0x808D0000;

    public const uint BadDeadbandFilterInvalid = 0x808E0000;

    public const uint BadConnectionRejected = 0x80AC0000;

    public const uint BadDisconnect = 0x80AD0000;

    public const uint BadConnectionClosed = 0x80AE0000;

    public const uint BadInvalidState = 0x80AF0000;

    public const uint BadEndOfStream = 0x80B00000;

    public const uint BadMaxAgeInvalid = 0x80700000;

    public const uint BadHistoryOperationInvalid = 0x80710000;

    public const uint BadWriteNotSupported = 0x80730000;

    public const uint BadStructureMissing = 0x80460000;

    public const uint BadEventFilterInvalid = 0x80470000;

    public const uint BadContentFilterInvalid = 0x80480000;

    public const uint BadFilterOperandInvalid = 0x80490000;

    public const uint BadDataLost = 0x809D0000;

    public const uint BadDataUnavailable = 0x809E0000;

    public const uint BadCertificateUriInvalid = 0x80170000;

    public const uint BadCertificateHostNameInvalid = 0x80160000;

    public const uint BadCertificateRevoked = 0x801D0000;

    public const uint BadCertificateUseNotAllowed = 0x80180000;

    public const uint BadNoData = 0x809B0000;

    public const uint UncertainLastUsableValue = 0x40900000;

    public const uint UncertainSubstituteValue = 0x40910000;

    public const uint UncertainInitialValue = 0x40920000;

    public const uint UncertainSensorNotAccurate = 0x40930000;

    public const uint UncertainEngineeringUnitsExceeded = 0x40940000;

    public const uint UncertainSubNormal = 0x40950000;

    public const uint UncertainNoCommunicationLastUsableValue = 0x408F0000;

    public const uint GoodOverload = 0x002F0000;

    public const uint GoodClamped = 0x00300000;

    public const uint GoodNoData = 0x00A50000;

    public const uint GoodMoreData = 0x00A60000;

    public const uint GoodSubscriptionTransferred = 0x002D0000;

    public const uint GoodCompletesAsynchronously = 0x002E0000;

    private static readonly Dictionary<uint, string> Names = new()
    {
        [0x00000000] = nameof(Good),
        [0x40000000] = nameof(Uncertain),
        [0x80000000] = nameof(Bad),
        [0x80010000] = nameof(BadUnexpectedError),
        [0x80020000] = nameof(BadInternalError),
        [0x80030000] = nameof(BadOutOfMemory),
        [0x80040000] = nameof(BadResourceUnavailable),
        [0x80050000] = nameof(BadCommunicationError),
        [0x80060000] = nameof(BadEncodingError),
        [0x80070000] = nameof(BadDecodingError),
        [0x80080000] = nameof(BadEncodingLimitsExceeded),
        [0x80B80000] = nameof(BadRequestTooLarge),
        [0x80B90000] = nameof(BadResponseTooLarge),
        [0x80090000] = nameof(BadUnknownResponse),
        [0x800A0000] = nameof(BadTimeout),
        [0x800B0000] = nameof(BadServiceUnsupported),
        [0x800C0000] = nameof(BadShutdown),
        [0x800D0000] = nameof(BadServerNotConnected),
        [0x800E0000] = nameof(BadServerHalted),
        [0x800F0000] = nameof(BadNothingToDo),
        [0x80100000] = nameof(BadTooManyOperations),
        [0x80DB0000] = nameof(BadTooManyMonitoredItems),
        [0x80110000] = nameof(BadDataTypeIdUnknown),
        [0x80120000] = nameof(BadCertificateInvalid),
        [0x80130000] = nameof(BadSecurityChecksFailed),
        [0x80140000] = nameof(BadCertificateTimeInvalid),
        [0x801A0000] = nameof(BadCertificateUntrusted),
        [0x801F0000] = nameof(BadUserAccessDenied),
        [0x80200000] = nameof(BadIdentityTokenInvalid),
        [0x80210000] = nameof(BadIdentityTokenRejected),
        [0x80220000] = nameof(BadSecureChannelIdInvalid),
        [0x80230000] = nameof(BadInvalidTimestamp),
        [0x80240000] = nameof(BadNonceInvalid),
        [0x80250000] = nameof(BadSessionIdInvalid),
        [0x80260000] = nameof(BadSessionClosed),
        [0x80270000] = nameof(BadSessionNotActivated),
        [0x80280000] = nameof(BadSubscriptionIdInvalid),
        [0x802A0000] = nameof(BadRequestHeaderInvalid),
        [0x802B0000] = nameof(BadTimestampsToReturnInvalid),
        [0x802C0000] = nameof(BadRequestCancelledByClient),
        [0x80310000] = nameof(BadNoCommunication),
        [0x80320000] = nameof(BadWaitingForInitialData),
        [0x80330000] = nameof(BadNodeIdInvalid),
        [0x80340000] = nameof(BadNodeIdUnknown),
        [0x80350000] = nameof(BadAttributeIdInvalid),
        [0x80360000] = nameof(BadIndexRangeInvalid),
        [0x80370000] = nameof(BadIndexRangeNoData),
        [0x80380000] = nameof(BadDataEncodingInvalid),
        [0x80390000] = nameof(BadDataEncodingUnsupported),
        [0x803A0000] = nameof(BadNotReadable),
        [0x803B0000] = nameof(BadNotWritable),
        [0x803C0000] = nameof(BadOutOfRange),
        [0x803D0000] = nameof(BadNotSupported),
        [0x803E0000] = nameof(BadNotFound),
        [0x803F0000] = nameof(BadObjectDeleted),
        [0x80400000] = nameof(BadNotImplemented),
        [0x80410000] = nameof(BadMonitoringModeInvalid),
        [0x80420000] = nameof(BadMonitoredItemIdInvalid),
        [0x80430000] = nameof(BadMonitoredItemFilterInvalid),
        [0x80440000] = nameof(BadMonitoredItemFilterUnsupported),
        [0x80450000] = nameof(BadFilterNotAllowed),
        [0x804A0000] = nameof(BadContinuationPointInvalid),
        [0x804B0000] = nameof(BadNoContinuationPoints),
        [0x804C0000] = nameof(BadReferenceTypeIdInvalid),
        [0x804D0000] = nameof(BadBrowseDirectionInvalid),
        [0x804E0000] = nameof(BadNodeNotInView),
        [0x804F0000] = nameof(BadServerUriInvalid),
        [0x80500000] = nameof(BadServerNameMissing),
        [0x80510000] = nameof(BadDiscoveryUrlMissing),
        [0x80520000] = nameof(BadSempahoreFileMissing),
        [0x80530000] = nameof(BadRequestTypeInvalid),
        [0x80540000] = nameof(BadSecurityModeRejected),
        [0x80550000] = nameof(BadSecurityPolicyRejected),
        [0x80560000] = nameof(BadTooManySessions),
        [0x80570000] = nameof(BadUserSignatureInvalid),
        [0x80580000] = nameof(BadApplicationSignatureInvalid),
        [0x80590000] = nameof(BadNoValidCertificates),
        [0x805A0000] = nameof(BadRequestCancelledByRequest),
        [0x805B0000] = nameof(BadParentNodeIdInvalid),
        [0x805C0000] = nameof(BadReferenceNotAllowed),
        [0x805D0000] = nameof(BadNodeIdRejected),
        [0x805E0000] = nameof(BadNodeIdExists),
        [0x805F0000] = nameof(BadNodeClassInvalid),
        [0x80600000] = nameof(BadBrowseNameInvalid),
        [0x80610000] = nameof(BadBrowseNameDuplicated),
        [0x80620000] = nameof(BadNodeAttributesInvalid),
        [0x80630000] = nameof(BadTypeDefinitionInvalid),
        [0x80640000] = nameof(BadSourceNodeIdInvalid),
        [0x80650000] = nameof(BadTargetNodeIdInvalid),
        [0x80660000] = nameof(BadDuplicateReferenceNotAllowed),
        [0x80670000] = nameof(BadInvalidSelfReference),
        [0x80680000] = nameof(BadReferenceLocalOnly),
        [0x80690000] = nameof(BadNoDeleteRights),
        [0x806A0000] = nameof(BadServerIndexInvalid),
        [0x806B0000] = nameof(BadViewIdUnknown),
        [0x80740000] = nameof(BadTypeMismatch),
        [0x80750000] = nameof(BadMethodInvalid),
        [0x80760000] = nameof(BadArgumentsMissing),
        [0x80770000] = nameof(BadTooManySubscriptions),
        [0x80780000] = nameof(BadTooManyPublishRequests),
        [0x80790000] = nameof(BadNoSubscription),
        [0x807A0000] = nameof(BadSequenceNumberUnknown),
        [0x807B0000] = nameof(BadMessageNotAvailable),
        [0x807C0000] = nameof(BadInsufficientClientProfile),
        [0x807D0000] = nameof(BadTcpServerTooBusy),
        [0x807E0000] = nameof(BadTcpMessageTypeInvalid),
        [0x807F0000] = nameof(BadTcpSecureChannelUnknown),
        [0x80800000] = nameof(BadTcpMessageTooLarge),
        [0x80810000] = nameof(BadTcpNotEnoughResources),
        [0x80820000] = nameof(BadTcpInternalError),
        [0x80830000] = nameof(BadTcpEndpointUrlInvalid),
        [0x80840000] = nameof(BadRequestInterrupted),
        [0x80850000] = nameof(BadRequestTimeout),
        [0x80860000] = nameof(BadSecureChannelClosed),
        [0x80870000] = nameof(BadSecureChannelTokenUnknown),
        [0x80880000] = nameof(BadSequenceNumberInvalid),
        [0x80BE0000] = nameof(BadProtocolVersionUnsupported),
        [0x80890000] = nameof(BadConfigurationError),
        [0x808A0000] = nameof(BadNotConnected),
        [0x808B0000] = nameof(BadDeviceFailure),
        [0x808C0000] = nameof(BadSensorFailure),
        [0x808D0000] = nameof(BadOutOfService),
        [0x808E0000] = nameof(BadDeadbandFilterInvalid),
        [0x80AC0000] = nameof(BadConnectionRejected),
        [0x80AD0000] = nameof(BadDisconnect),
        [0x80AE0000] = nameof(BadConnectionClosed),
        [0x80AF0000] = nameof(BadInvalidState),
        [0x80B00000] = nameof(BadEndOfStream),
        [0x80700000] = nameof(BadMaxAgeInvalid),
        [0x80710000] = nameof(BadHistoryOperationInvalid),
        [0x80730000] = nameof(BadWriteNotSupported),
        [0x80460000] = nameof(BadStructureMissing),
        [0x80470000] = nameof(BadEventFilterInvalid),
        [0x80480000] = nameof(BadContentFilterInvalid),
        [0x80490000] = nameof(BadFilterOperandInvalid),
        [0x809D0000] = nameof(BadDataLost),
        [0x809E0000] = nameof(BadDataUnavailable),
        [0x80170000] = nameof(BadCertificateUriInvalid),
        [0x80160000] = nameof(BadCertificateHostNameInvalid),
        [0x801D0000] = nameof(BadCertificateRevoked),
        [0x80180000] = nameof(BadCertificateUseNotAllowed),
        [0x809B0000] = nameof(BadNoData),
        [0x40900000] = nameof(UncertainLastUsableValue),
        [0x40910000] = nameof(UncertainSubstituteValue),
        [0x40920000] = nameof(UncertainInitialValue),
        [0x40930000] = nameof(UncertainSensorNotAccurate),
        [0x40940000] = nameof(UncertainEngineeringUnitsExceeded),
        [0x40950000] = nameof(UncertainSubNormal),
        [0x408F0000] = nameof(UncertainNoCommunicationLastUsableValue),
        [0x002F0000] = nameof(GoodOverload),
        [0x00300000] = nameof(GoodClamped),
        [0x00A50000] = nameof(GoodNoData),
        [0x00A60000] = nameof(GoodMoreData),
        [0x002D0000] = nameof(GoodSubscriptionTransferred),
        [0x002E0000] = nameof(GoodCompletesAsynchronously),
    };

    /// <summary>The symbolic name of a code (info bits ignored), or its hex value when unknown.</summary>
    public static string NameOf(uint code) => Names.TryGetValue(code & 0xFFFF0000, out var name) ? name : $"0x{code:X8}";
}
