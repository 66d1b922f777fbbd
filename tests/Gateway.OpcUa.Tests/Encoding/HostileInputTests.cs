using System.Buffers;
using System.Buffers.Binary;
using Gateway.OpcUa.Encoding;
using Gateway.OpcUa.Services;
using Gateway.OpcUa.Status;
using Gateway.OpcUa.Types;

namespace Gateway.OpcUa.Tests.Encoding;

/// <summary>Malformed and hostile bytes: only the typed decoding error escapes, and limits hold before allocation.</summary>
public class HostileInputTests
{
    [Fact]
    public void A_string_length_beyond_the_limit_is_refused_before_allocating()
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, int.MaxValue);
        var error = Assert.Throws<UaDecodingException>(() => new UaBinaryReader(bytes).ReadString());
        Assert.Equal(StatusCodes.BadEncodingLimitsExceeded, error.StatusCode);
    }

    [Fact]
    public void An_array_count_larger_than_the_bytes_left_is_refused()
    {
        var bytes = new byte[] { 0x8B, 0x40, 0x42, 0x0F, 0x00 }; // Double array of 1,000,000 elements, no data
        var error = Assert.Throws<UaDecodingException>(() => { var reader = new UaBinaryReader(bytes); return reader.ReadVariant(); });
        Assert.Contains("cannot fit", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_is_refused()
    {
        // A Variant array of one Variant, 40 levels deep.
        var bytes = new List<byte>();
        for (var i = 0; i < 40; i++)
        {
            bytes.AddRange([0x98, 1, 0, 0, 0]);
        }

        bytes.Add(0);
        var error = Assert.Throws<UaDecodingException>(() => { var reader = new UaBinaryReader(bytes.ToArray(), new DecodingLimits { MaxNestingDepth = 32 }); return reader.ReadVariant(); });
        Assert.Equal(StatusCodes.BadEncodingLimitsExceeded, error.StatusCode);
    }

    [Fact]
    public void Matrix_dimensions_that_do_not_match_the_elements_are_refused()
    {
        var bytes = new byte[] { 0xC6, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0 };
        Assert.Throws<UaDecodingException>(() => { var reader = new UaBinaryReader(bytes); return reader.ReadVariant(); });
    }

    [Fact]
    public void Mutated_valid_messages_only_ever_raise_the_typed_decoding_error()
    {
        MessageTypes.EnsureRegistered();
        var samples = ValidMessages();
        var random = new Random(20261125);
        var limits = new DecodingLimits { MaxArrayLength = 10_000, MaxStringLength = 65536, MaxByteStringLength = 65536 };
        var decoded = 0;
        var rejected = 0;
        for (var round = 0; round < 100_000; round++)
        {
            var sample = samples[round % samples.Count];
            var bytes = (byte[])sample.Clone();
            var mutations = 1 + random.Next(4);
            for (var m = 0; m < mutations; m++)
            {
                switch (random.Next(4))
                {
                    case 0: bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8)); break;
                    case 1: bytes[random.Next(bytes.Length)] = (byte)random.Next(256); break;
                    case 2: bytes = bytes[..random.Next(bytes.Length)]; break;
                    default:
                        if (bytes.Length >= 4)
                        {
                            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(random.Next(bytes.Length - 3)), random.Next(2) == 0 ? -1 : random.Next());
                        }

                        break;
                }

                if (bytes.Length == 0)
                {
                    break;
                }
            }

            try
            {
                var reader = new UaBinaryReader(bytes, limits);
                MessageTypes.Decode(ref reader);
                decoded++;
            }
            catch (UaDecodingException)
            {
                rejected++;
            }
        }

        Assert.Equal(100_000, decoded + rejected);
        Assert.True(rejected > 10_000, $"only {rejected} of 100,000 mutations were rejected: the mutations are too weak to test anything");
    }

    private static List<byte[]> ValidMessages()
    {
        static byte[] Encode(IServiceMessage message)
        {
            var buffer = new ArrayBufferWriter<byte>();
            MessageTypes.Encode(new UaBinaryWriter(buffer), message);
            return buffer.WrittenSpan.ToArray();
        }

        var values = Enumerable.Range(0, 20).Select(i => new DataValue(Variant.From(i * 1.5), default, DateTime.UtcNow, DateTime.UtcNow)).ToArray();
        return
        [
            Encode(new ReadResponse { Results = values.Append(new DataValue(Variant.FromArray(BuiltInType.String, new[] { "a", "나" }))).ToArray() }),
            Encode(new BrowseResponse
            {
                Results =
                [
                    new BrowseResult
                    {
                        ContinuationPoint = [1, 2, 3],
                        References = [new ReferenceDescription { NodeId = new ExpandedNodeId(new NodeId(2, "x"), "urn:a"), BrowseName = new QualifiedName(2, "X"), DisplayName = new LocalizedText("X", "en") }],
                    },
                ],
            }),
            Encode(new PublishResponse
            {
                SubscriptionId = 7,
                AvailableSequenceNumbers = [1, 2],
                NotificationMessage = new NotificationMessage
                {
                    SequenceNumber = 2,
                    NotificationData = [ExtensionObject.From(new DataChangeNotification { MonitoredItems = values.Select((v, i) => new MonitoredItemNotification((uint)i, v)).ToArray() })],
                },
            }),
            Encode(new CreateSessionResponse { SessionId = new NodeId(1, 5u), ServerEndpoints = [new EndpointDescription { EndpointUrl = "opc.tcp://x", UserIdentityTokens = [new UserTokenPolicy { PolicyId = "a" }] }] }),
            Encode(new ServiceFault { ResponseHeader = new ResponseHeader { ServiceResult = new StatusCode(StatusCodes.BadTimeout), StringTable = ["x"] } }),
        ];
    }
}
