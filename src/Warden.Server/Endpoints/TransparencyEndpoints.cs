using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Warden.Core.Trust;
using Warden.Server.Keys;
using Warden.Server.Protocols;
using Warden.Server.Routing;
using Warden.Server.Storage;
using Warden.Server.Trust;
using Warden.Server.Usage;

namespace Warden.Server.Endpoints;

/// <summary>
/// The transparency log over HTTP. Public (no key): the latest signed checkpoint, inclusion proofs by index, by leaf
/// hash (a configuration entry) or by leaf hash and request id (a receipt), consistency proofs: they reveal only
/// hashes and sizes. With a key: an inclusion proof by request id for the caller's own receipt (<c>?receipt=</c>),
/// and the entries (configuration events in full, receipt entries as hashes):
/// an admin key reads every event, a client key the events that concern it or the models it may use (see
/// <see cref="LogVisibility"/>); the others are listed by leaf hash only, so the log stays checkable end to end.
/// </summary>
internal static class TransparencyEndpoints
{
    /// <summary>The log's C2SP verifier key (public: it verifies checkpoints only).</summary>
    public const string LogVkeyPath = "/.well-known/warden/log.vkey";

    private const int MaxEntriesPerPage = 1000;

    public static void Map(WebApplication app)
    {
        app.MapGet("/v1/transparency/checkpoint", GetCheckpointAsync);
        app.MapGet(LogVkeyPath, GetLogVkeyAsync);
        app.MapGet("/v1/transparency/proof/inclusion", GetInclusionAsync);
        app.MapGet("/v1/transparency/proof/consistency", GetConsistencyAsync);
        app.MapGet("/v1/transparency/entries", GetEntriesAsync);
    }

    // The latest checkpoint with the cosignatures it has so far; ?cosignatures=k: the largest one that k witnesses cosigned.
    private static async Task GetCheckpointAsync(HttpContext context)
    {
        var log = context.RequestServices.GetRequiredService<TransparencyLog>();
        string signed;
        if (context.Request.Query.ContainsKey("cosignatures"))
        {
            if (!TryLong(context.Request.Query["cosignatures"], out long k) || k is < 1 or > SignedNote.MaxSignatures)
            {
                await BadRequestAsync(context, $"cosignatures must be an integer from 1 to {SignedNote.MaxSignatures}.", "cosignatures");
                return;
            }

            if (log.CosignedBy((int)k) is not { } cosigned)
            {
                await NotFoundAsync(context, $"No checkpoint has {k} witness cosignatures yet.");
                return;
            }

            signed = cosigned;
        }
        else
        {
            signed = log.LatestCosigned().Signed;
        }

        byte[] bytes = Encoding.UTF8.GetBytes(signed);
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    private static async Task GetLogVkeyAsync(HttpContext context)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(context.RequestServices.GetRequiredService<TransparencyLog>().LogKeys.Single().ToVkey() + "\n");
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers.CacheControl = "public, max-age=300";
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    private static async Task GetInclusionAsync(HttpContext context)
    {
        var log = context.RequestServices.GetRequiredService<TransparencyLog>();
        var query = context.Request.Query;
        long? size = null;
        if (query.ContainsKey("size"))
        {
            if (!TryLong(query["size"], out long s))
            {
                await BadRequestAsync(context, "size must be a non-negative integer.", "size");
                return;
            }

            size = s;
        }

        long index;

        // For a receipt found by request id: the leaf hash its entry must have (checked on the answer).
        byte[]? expectedLeaf = null;
        if (query.ContainsKey("receipt"))
        {
            var key = Authenticate(context, KeyRole.Client);
            if (key is null)
            {
                await UnauthorizedAsync(context);
                return;
            }

            string requestId = query["receipt"].ToString();
            var stored = await context.RequestServices.GetRequiredService<ReceiptStore>()
                .FindStoredAsync(requestId, key.Id, context.RequestServices.GetRequiredService<UsageWriter>());
            if (stored?.LogIndex is not { } logged)
            {
                await NotFoundAsync(context, $"No logged receipt with request id '{requestId}' for this API key.");
                return;
            }

            index = logged;
            expectedLeaf = LogEntry.ReceiptLeafHash(stored.Jws);
        }
        else if (query.ContainsKey("leaf_hash"))
        {
            byte[] leaf;
            try
            {
                leaf = Convert.FromHexString(query["leaf_hash"].ToString());
            }
            catch (FormatException)
            {
                leaf = [];
            }

            if (leaf.Length != MerkleHash.Size)
            {
                await BadRequestAsync(context, "leaf_hash must be 64 hex digits.", "leaf_hash");
                return;
            }

            // A receipt's entry is found through its request id (given with its leaf hash, which is checked, so the
            // answer goes only to someone holding the receipt); a configuration entry by its leaf hash alone.
            long? found;
            if (query.ContainsKey("request_id"))
            {
                // No flush of the usage writer here, unlike the keyed lookup: anyone may call this, and a flush per
                // call would let them force a commit per request. A receipt is stored within milliseconds anyway.
                found = context.RequestServices.GetRequiredService<ReceiptStore>().FindLogIndex(query["request_id"].ToString());
                expectedLeaf = leaf;
            }
            else
            {
                found = log.FindConfig(leaf);
            }

            if (found is null)
            {
                await NotFoundAsync(context, query.ContainsKey("request_id")
                    ? "No logged receipt with this request id and leaf hash."
                    : "No configuration entry has this leaf hash (a receipt's entry is found with request_id=<its request id> as well).");
                return;
            }

            index = found.Value;
        }
        else if (!TryLong(query["index"], out index))
        {
            await BadRequestAsync(context, "Give index=N (with optional size=M), leaf_hash=<hex> (with request_id=<id> for a receipt), or receipt=<request id>.", "index");
            return;
        }

        InclusionAnswer? answer;
        try
        {
            answer = log.Inclusion(index, size);
        }
        catch (InvalidDataException tampered)
        {
            await IntegrityFailureAsync(context, tampered);
            return;
        }

        if (answer is null)
        {
            await BadRequestAsync(context, "The index must be below the tree size, and the size at most the latest checkpoint's.", "index");
            return;
        }

        if (expectedLeaf is not null && !answer.LeafHash.AsSpan().SequenceEqual(expectedLeaf))
        {
            await NotFoundAsync(context, "No logged receipt with this request id and leaf hash.");
            return;
        }

        await WriteJsonAsync(context, LogProofJson.WriteInclusion(answer));
    }

    private static async Task GetConsistencyAsync(HttpContext context)
    {
        var query = context.Request.Query;
        if (!TryLong(query["from"], out long from) || !TryLong(query["to"], out long to))
        {
            await BadRequestAsync(context, "Give from=A and to=B (tree sizes, A <= B).", "from");
            return;
        }

        IReadOnlyList<byte[]>? proof;
        try
        {
            proof = context.RequestServices.GetRequiredService<TransparencyLog>().Consistency(from, to);
        }
        catch (InvalidDataException tampered)
        {
            await IntegrityFailureAsync(context, tampered);
            return;
        }

        if (proof is null)
        {
            await BadRequestAsync(context, "from must be at most to, and to at most the latest checkpoint's size.", "to");
            return;
        }

        await WriteJsonAsync(context, LogProofJson.WriteConsistency(from, to, proof));
    }

    private static async Task GetEntriesAsync(HttpContext context)
    {
        var clientKey = Authenticate(context, KeyRole.Client);
        if (clientKey is null && Authenticate(context, KeyRole.Admin) is null)
        {
            await UnauthorizedAsync(context);
            return;
        }

        var query = context.Request.Query;
        long start = 0;
        if (query.ContainsKey("start") && !TryLong(query["start"], out start))
        {
            await BadRequestAsync(context, "start must be a non-negative integer.", "start");
            return;
        }

        long end = start + MaxEntriesPerPage;
        if (query.ContainsKey("end") && (!TryLong(query["end"], out end) || end < start))
        {
            await BadRequestAsync(context, "end must be an integer at least start.", "end");
            return;
        }

        end = Math.Min(end, start + MaxEntriesPerPage);
        List<LogEntryRows.Row> rows;
        using (var connection = context.RequestServices.GetRequiredService<WardenDatabase>().Open())
        {
            rows = LogEntryRows.Read(connection, start, end);
        }

        var catalog = context.RequestServices.GetRequiredService<ChannelCatalog>();
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("entries");
            foreach (var row in rows)
            {
                writer.WriteStartObject();
                writer.WriteNumber("index", row.Index);
                writer.WriteString("kind", row.Kind);
                writer.WriteString("leaf_hash", Convert.ToHexStringLower(row.LeafHash));

                // The exact leaf data as text: a configuration event's JSON, or "receipt <hash>\n" (a hash only). A client
                // key reads the events that concern it or the models it may use; others show as their hash only.
                if (clientKey is null || row.Kind != LogEntryRows.ConfigKind || LogVisibility.MayRead(clientKey, row.Entry, catalog))
                {
                    writer.WriteString("entry", Encoding.UTF8.GetString(row.Entry));
                }
                else
                {
                    writer.WriteNull("entry");
                    writer.WriteBoolean("withheld", true);
                }

                writer.WriteString("created_at", row.CreatedAt);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        await WriteJsonAsync(context, buffer.WrittenSpan.ToArray());
    }

    private static ClientKey? Authenticate(HttpContext context, KeyRole role)
    {
        var keys = context.RequestServices.GetRequiredService<KeyDirectory>();
        var auth = keys.Authenticate(ClientProtocol.ReadAnyKey(context.Request), role);
        return auth.Outcome == AuthenticationOutcome.Authenticated ? auth.Key : null;
    }

    private static bool TryLong(Microsoft.Extensions.Primitives.StringValues value, out long result) =>
        long.TryParse(value.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out result);

    private static Task UnauthorizedAsync(HttpContext context) =>
        OpenAIErrorResponse.WriteAsync(context, StatusCodes.Status401Unauthorized,
            "A valid API key is needed. Send it as Authorization: Bearer <key> or x-api-key.", "authentication_error", null, "invalid_api_key");

    private static Task BadRequestAsync(HttpContext context, string message, string param) =>
        OpenAIErrorResponse.WriteAsync(context, StatusCodes.Status400BadRequest, message, "invalid_request_error", param, "invalid_parameter");

    private static Task NotFoundAsync(HttpContext context, string message) =>
        OpenAIErrorResponse.WriteAsync(context, StatusCodes.Status404NotFound, message, "not_found_error", null, "log_entry_not_found");

    /// <summary>
    /// Leaf hashes read back from the database no longer match the block roots the running log holds: someone changed
    /// the file under it. Nothing is proved from it; the operator is told in the log, the caller gets a clear error.
    /// </summary>
    private static Task IntegrityFailureAsync(HttpContext context, InvalidDataException tampered)
    {
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(TransparencyLog).FullName!);
        Telemetry.Log.TransparencyLogTampered(logger, tampered.Message);
        return OpenAIErrorResponse.WriteAsync(context, StatusCodes.Status500InternalServerError,
            "The stored transparency log no longer matches the tree this server signed, so no proof is served from that part of it. " + tampered.Message,
            "server_error", null, "log_integrity_failure");
    }

    private static async Task WriteJsonAsync(HttpContext context, byte[] json)
    {
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = json.Length;
        await context.Response.Body.WriteAsync(json, context.RequestAborted);
    }
}
