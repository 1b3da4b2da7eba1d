// TEMPORARY: placeholders so the server builds while the codecs are written; removed as each codec lands.
#pragma warning disable
using System.Buffers;
using Warden.Core.Canonical;

namespace Warden.Core.Dialects.Responses
{
    public sealed class ResponsesCodec : PendingCodec { public static ResponsesCodec Instance { get; } = new(); public override WireDialectName Dialect => WireDialectName.Responses; }
}

namespace Warden.Core.Dialects
{
    public abstract class PendingCodec : IDialectCodec
    {
        public abstract WireDialectName Dialect { get; }
        public bool TryInspect(ReadOnlySpan<byte> body, RequestContext context, out RequestFacts facts, out RequestParseError? parseError) => throw new NotImplementedException();
        public bool TryDecodeRequest(ReadOnlyMemory<byte> body, RequestContext context, out CanonicalRequest request, out RequestParseError? parseError) => throw new NotImplementedException();
        public EncodedRequest EncodeRequest(CanonicalRequest request, string upstreamModel) => throw new NotImplementedException();
        public bool TryDecodeResponse(ReadOnlySpan<byte> body, out CanonicalResponse response) => throw new NotImplementedException();
        public void EncodeResponse(CanonicalResponse response, CanonicalRequest request, IBufferWriter<byte> output) => throw new NotImplementedException();
        public IStreamDecoder CreateStreamDecoder() => throw new NotImplementedException();
        public IStreamEncoder CreateStreamEncoder(CanonicalRequest request) => throw new NotImplementedException();
        public void WriteError(ClientError clientError, string requestId, IBufferWriter<byte> output) => throw new NotImplementedException();
        public UpstreamErrorDetail? ReadError(ReadOnlySpan<byte> body) => throw new NotImplementedException();
    }
}
