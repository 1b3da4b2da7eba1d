using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Warden.Core.Trust;

namespace Warden.Server.Witness;

/// <summary>
/// <c>warden witness</c> as a server: a C2SP tlog-witness on Kestrel with <c>POST /add-checkpoint</c> (the submission
/// prefix is the base URL) and <c>GET /&lt;sha256 hex of the origin&gt;/checkpoint</c> (the monitoring prefix is the
/// same). Its key lives in the data folder (<c>witness.key</c>, 0600: the key name and the base64 Ed25519 seed), its
/// state in <c>witness.db</c>.
/// </summary>
internal sealed class WitnessHost : IAsyncDisposable
{
    public const string KeyFileName = "witness.key";
    public const string StateFileName = "witness.db";

    // add-checkpoint bodies are a few hundred bytes: a checkpoint, up to 63 proof lines and a few signatures.
    private const long MaxBodyBytes = 64 * 1024;

    private readonly WebApplication _app;

    private WitnessHost(WebApplication app, Uri url, NoteVerifier key)
    {
        _app = app;
        Url = url;
        Key = key;
    }

    /// <summary>The base URL (submission and monitoring prefix).</summary>
    public Uri Url { get; }

    /// <summary>The witness's verifier key (give it to the logs and clients that rely on it).</summary>
    public NoteVerifier Key { get; }

    public static async Task<WitnessHost> StartAsync(WitnessOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        Directory.CreateDirectory(options.DataDirectory);
        var key = LoadOrCreateKey(Path.Combine(options.DataDirectory, KeyFileName), options.Name);
        var state = new WitnessState(Path.Combine(options.DataDirectory, StateFileName));

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = MaxBodyBytes;
            kestrel.Listen(IPAddress.Parse(options.Host), options.Port);
        });
        builder.Services.AddRoutingCore();
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Logging.SetMinimumLevel(options.ConsoleLogging ? LogLevel.Information : LogLevel.Warning);
        if (options.ConsoleLogging)
        {
            builder.Logging.AddSimpleConsole(console => console.SingleLine = true);
        }

        var app = builder.Build();
        var service = new WitnessService(key, options.Logs, state, options.Time, app.Services.GetRequiredService<ILogger<WitnessService>>());
        app.UseRouting();
        app.MapPost("/add-checkpoint", async context =>
        {
            string body;
            try
            {
                using var reader = new StreamReader(context.Request.Body, new UTF8Encoding(false, throwOnInvalidBytes: true));
                body = await reader.ReadToEndAsync(context.RequestAborted);
            }
            catch (Exception ex) when (ex is DecoderFallbackException or BadHttpRequestException)
            {
                await WriteAsync(context, WitnessAnswer.Text(400, "the body is not UTF-8 text within the size limit\n"));
                return;
            }

            await WriteAsync(context, service.AddCheckpoint(body));
        });
        app.MapGet("/{originHash}/checkpoint", context =>
        {
            string? checkpoint = service.CheckpointFor(context.Request.RouteValues["originHash"] as string ?? "");
            return WriteAsync(context, checkpoint is null ? WitnessAnswer.Text(404, "no checkpoint cosigned for this origin\n") : WitnessAnswer.Text(200, checkpoint));
        });

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            key.Dispose();
            throw;
        }

        var bound = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new WitnessHost(app, new Uri(bound.TrimEnd('/') + "/"), key.Verifier);
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }

    private static async Task WriteAsync(HttpContext context, WitnessAnswer answer)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(answer.Body);
        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = answer.ContentType;
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    // The key file holds "<name> <base64 seed>\n"; a name given later must be the stored one (the key ID commits to it).
    private static NoteSigningKey LoadOrCreateKey(string path, string? name)
    {
        if (File.Exists(path))
        {
            string[] fields = File.ReadAllText(path).Trim().Split(' ');
            if (fields.Length != 2)
            {
                throw new InvalidDataException($"{path} is not \"<name> <base64 seed>\"");
            }

            if (name is not null && name != fields[0])
            {
                throw new InvalidDataException($"this witness is named \"{fields[0]}\"; --name \"{name}\" would be another witness (start a new data folder)");
            }

            byte[] seed = Convert.FromBase64String(fields[1]);
            try
            {
                return NoteSigningKey.FromSeed(fields[0], NoteVerifier.CosignatureType, seed);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(seed);
            }
        }

        if (!NoteVerifier.IsValidKeyName(name))
        {
            throw new InvalidDataException("a new witness needs --name (a key name without spaces or '+', e.g. witness.example.com/w1)");
        }

        var key = NoteSigningKey.Generate(name!, NoteVerifier.CosignatureType);
        byte[] fresh = key.ExportSeed();
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using var file = new StreamWriter(path, Encoding.ASCII, options);
            file.Write(name + " " + Convert.ToBase64String(fresh) + "\n");
            return key;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(fresh);
        }
    }
}

/// <summary>How a witness runs.</summary>
internal sealed record WitnessOptions
{
    public required string DataDirectory { get; init; }

    /// <summary>The witness's key name; needed when the data folder has no key yet.</summary>
    public string? Name { get; init; }

    /// <summary>The logs it follows: their note verifier keys (the key name is the log's origin).</summary>
    public required IReadOnlyList<NoteVerifier> Logs { get; init; }

    public string Host { get; init; } = "127.0.0.1";

    public int Port { get; init; } = 7380;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public bool ConsoleLogging { get; init; } = true;
}
