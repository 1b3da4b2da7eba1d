using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;

namespace Warden.Server.Simulator.Operations;

/// <summary>
/// Audio in OpenAI's shape. Transcriptions and translations (multipart: <c>file</c>, <c>model</c>,
/// <c>response_format</c> json, text, verbose_json, srt or vtt): the "transcript" names the audio's duration and a
/// fingerprint of its bytes, so a test can predict it; the duration comes from a WAV header, else from the size at
/// 16 kB/s; usage is <c>{"type":"duration","seconds"}</c> as for whisper-1. Speech (JSON: <c>model</c>, <c>input</c>,
/// <c>voice</c>, <c>response_format</c>, <c>speed</c>): a WAV of 50 ms per character (divided by speed), streamed in
/// chunks; the simulator writes WAV (or raw PCM for "pcm") whatever other format is asked, and says so in Content-Type.
/// </summary>
internal static class SimulatorAudio
{
    public const string TranscriptionOperation = "audio.transcriptions";
    public const string SpeechOperation = "audio.speech";

    /// <summary>OpenAI's limit on speech input.</summary>
    public const int MaxSpeechCharacters = 4096;

    /// <summary>The byte rate assumed for audio that is not WAV (128 kbit/s).</summary>
    public const int AssumedBytesPerSecond = 16_000;

    private const int SpeechChunkBytes = 16 * 1024;

    private static readonly string[] TranscriptFormats = ["json", "text", "srt", "verbose_json", "vtt"];

    private static readonly string[] SpeechFormats = ["mp3", "opus", "aac", "flac", "wav", "pcm"];

    public static async Task TranscribeAsync(SimulatorOperationCall call, bool translate)
    {
        var form = await call.ReadFormAsync();
        if (form is null)
        {
            return;
        }

        string model = form["model"].ToString();
        call.Model = model.Length == 0 ? null : model;
        var file = form.Files.GetFile("file");
        string format = form["response_format"].ToString() is { Length: > 0 } f ? f : "json";
        var error = file is null ? SimulatorError.MissingParameter("file")
            : model.Length == 0 ? SimulatorError.MissingParameter("model")
            : SimulatorOperationFields.OptionalChoice("response_format", format, TranscriptFormats)
                ?? SimulatorOperationFields.CheckModel(model, TranscriptionOperation);
        if (error is not null)
        {
            await call.RejectAsync(error);
            return;
        }

        byte[] bytes;
        await using (var stream = file!.OpenReadStream())
        using (var copy = new MemoryStream())
        {
            await stream.CopyToAsync(copy, call.CancellationToken);
            bytes = copy.ToArray();
        }

        if (bytes.Length == 0)
        {
            await call.RejectAsync(SimulatorError.InvalidValue("file", "The audio file is empty."));
            return;
        }

        double seconds = Math.Round(DurationOf(bytes), 2);
        string text = TranscriptOf(bytes, translate);
        call.Usage = new SimulatorUsage((int)Math.Ceiling(seconds), 0, (int)Math.Ceiling(seconds), 0, 0);
        string end = Timestamp(seconds, format == "srt" ? ',' : '.');
        switch (format)
        {
            case "text":
                await call.WriteTextAsync(text + "\n", "text/plain; charset=utf-8");
                break;
            case "srt":
                await call.WriteTextAsync($"1\n00:00:00,000 --> {end}\n{text}\n\n", "text/plain; charset=utf-8");
                break;
            case "vtt":
                await call.WriteTextAsync($"WEBVTT\n\n00:00:00.000 --> {end}\n{text}\n\n", "text/vtt; charset=utf-8");
                break;
            default:
                await call.WriteJsonAsync(writer =>
                {
                    writer.WriteStartObject();
                    if (format == "verbose_json")
                    {
                        writer.WriteString("task", translate ? "translate" : "transcribe");
                        writer.WriteString("language", "english");
                        writer.WriteNumber("duration", seconds);
                    }

                    writer.WriteString("text", text);
                    if (format == "verbose_json")
                    {
                        WriteSegment(writer, text, seconds);
                    }

                    writer.WriteStartObject("usage");
                    writer.WriteString("type", "duration");
                    writer.WriteNumber("seconds", seconds);
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                });
                break;
        }
    }

    /// <summary>The audio's length in seconds: from the WAV header when it is a WAV file, else from its size.</summary>
    public static double DurationOf(ReadOnlySpan<byte> bytes) => SimulatorWav.Duration(bytes) ?? (double)bytes.Length / AssumedBytesPerSecond;

    /// <summary>What the simulator "hears" in an audio file: its duration and the first eight hex digits of its SHA-256.</summary>
    public static string TranscriptOf(ReadOnlySpan<byte> bytes, bool translate)
    {
        string fingerprint = Convert.ToHexStringLower(SHA256.HashData(bytes))[..8];
        string seconds = Math.Round(DurationOf(bytes), 2).ToString("0.00", CultureInfo.InvariantCulture);
        return translate
            ? $"Simulated English translation of {seconds} seconds of audio, fingerprint {fingerprint}."
            : $"Simulated transcript of {seconds} seconds of audio, fingerprint {fingerprint}.";
    }

    public static async Task SpeakAsync(SimulatorOperationCall call)
    {
        using var document = await call.ReadJsonAsync();
        if (document is null)
        {
            return;
        }

        var root = document.RootElement;
        var error = SimulatorOperationFields.RequiredString(root, "model", out var model);
        call.Model = error is null ? model : null;
        string input = "", voice = "";
        string? format = null;
        double speed = 1.0;
        error ??= SimulatorOperationFields.RequiredString(root, "input", out input)
            ?? SimulatorOperationFields.RequiredString(root, "voice", out voice)
            ?? SimulatorOperationFields.OptionalString(root, "response_format", out format)
            ?? SimulatorOperationFields.OptionalChoice("response_format", format, SpeechFormats)
            ?? ReadSpeed(root, out speed)
            ?? (input.Length > MaxSpeechCharacters ? SimulatorError.InvalidValue("input", $"'input' is longer than {MaxSpeechCharacters} characters.") : null)
            ?? SimulatorOperationFields.CheckModel(model, SpeechOperation);
        if (error is not null)
        {
            await call.RejectAsync(error);
            return;
        }

        int dataBytes = SpeechDataBytes(input.Length, speed);
        bool pcm = format == "pcm";
        var response = call.Context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = pcm ? "audio/pcm" : "audio/wav";
        call.Context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        call.Started();
        call.Usage = new SimulatorUsage(input.Length, 0, input.Length, 0, 0);
        if (!pcm)
        {
            await response.Body.WriteAsync(SimulatorWav.Header(dataBytes), call.CancellationToken);
            await response.Body.FlushAsync(call.CancellationToken);
        }

        int period = 4 + (int)(SimulatorEmbedding.Fnv1a(Encoding.UTF8.GetBytes(voice + "\n" + input)) % 16);
        var chunk = new byte[SpeechChunkBytes];
        for (int written = 0; written < dataBytes; written += chunk.Length)
        {
            int size = Math.Min(chunk.Length, dataBytes - written);
            SimulatorWav.FillSamples(chunk.AsSpan(0, size), written / 2, period);
            await response.Body.WriteAsync(chunk.AsMemory(0, size), call.CancellationToken);
            await response.Body.FlushAsync(call.CancellationToken);
        }
    }

    /// <summary>PCM bytes of speech for <paramref name="characters"/> at <paramref name="speed"/> (whole 16-bit samples).</summary>
    public static int SpeechDataBytes(int characters, double speed) => (int)(SimulatorWav.DataBytes(characters) / speed / 2) * 2;

    private static SimulatorError? ReadSpeed(JsonElement root, out double speed)
    {
        speed = 1.0;
        if (!root.TryGetProperty("speed", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Number)
        {
            return SimulatorError.InvalidType("speed", "a number");
        }

        speed = element.GetDouble();
        return speed is < 0.25 or > 4.0 ? SimulatorError.InvalidValue("speed", "'speed' must be between 0.25 and 4.0.") : null;
    }

    private static void WriteSegment(Utf8JsonWriter writer, string text, double seconds)
    {
        writer.WriteStartArray("segments");
        writer.WriteStartObject();
        writer.WriteNumber("id", 0);
        writer.WriteNumber("seek", 0);
        writer.WriteNumber("start", 0.0);
        writer.WriteNumber("end", seconds);
        writer.WriteString("text", text);
        writer.WriteStartArray("tokens");
        writer.WriteEndArray();
        writer.WriteNumber("temperature", 0.0);
        writer.WriteNumber("avg_logprob", -0.1);
        writer.WriteNumber("compression_ratio", 1.0);
        writer.WriteNumber("no_speech_prob", 0.0);
        writer.WriteEndObject();
        writer.WriteEndArray();
    }

    private static string Timestamp(double seconds, char separator)
    {
        var time = TimeSpan.FromSeconds(seconds);
        return string.Create(CultureInfo.InvariantCulture, $"{(int)time.TotalHours:00}:{time.Minutes:00}:{time.Seconds:00}{separator}{time.Milliseconds:000}");
    }
}
