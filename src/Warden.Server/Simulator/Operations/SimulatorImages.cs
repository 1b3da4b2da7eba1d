using System.Globalization;
using System.Security.Cryptography;

namespace Warden.Server.Simulator.Operations;

/// <summary>
/// Images in OpenAI's shape: POST /v1/images/generations (JSON: <c>prompt</c>, <c>n</c>, <c>size</c>, <c>quality</c>,
/// <c>response_format</c> b64_json or url) and /v1/images/edits (multipart: <c>image</c> file parts, <c>prompt</c>, the
/// same options). Each picture is a one-colour PNG from <see cref="SimulatorPng"/>: generations colour it by the prompt,
/// edits by the prompt and the image bytes. A url answer is a data: URL (the simulator keeps nothing to serve later).
/// The response repeats the size and quality served, as gpt-image-1's does, so a relay can bill per image by both.
/// </summary>
internal static class SimulatorImages
{
    public const string Operation = "images";

    public const int MaxImages = 10;

    public const string DefaultSize = "1024x1024";

    public const string DefaultQuality = "standard";

    private static readonly string[] Sizes = ["256x256", "512x512", "1024x1024", "1536x1024", "1024x1536", "1792x1024", "1024x1792", "auto"];

    private static readonly string[] Qualities = ["standard", "hd", "low", "medium", "high", "auto"];

    public static async Task GenerateAsync(SimulatorOperationCall call)
    {
        using var document = await call.ReadJsonAsync();
        if (document is null)
        {
            return;
        }

        var root = document.RootElement;
        var error = SimulatorOperationFields.OptionalString(root, "model", out var named);
        string model = named ?? SimulatorOperationModels.Image;
        call.Model = model;
        string prompt = "";
        int? n = null;
        string? size = null, quality = null, format = null;
        error ??= SimulatorOperationFields.RequiredString(root, "prompt", out prompt)
            ?? SimulatorOperationFields.OptionalInt(root, "n", 1, MaxImages, out n)
            ?? SimulatorOperationFields.OptionalString(root, "size", out size)
            ?? SimulatorOperationFields.OptionalChoice("size", size, Sizes)
            ?? SimulatorOperationFields.OptionalString(root, "quality", out quality)
            ?? SimulatorOperationFields.OptionalChoice("quality", quality, Qualities)
            ?? SimulatorOperationFields.OptionalString(root, "response_format", out format)
            ?? SimulatorOperationFields.OptionalChoice("response_format", format, "url", "b64_json")
            ?? SimulatorOperationFields.CheckModel(model, Operation);
        if (error is not null)
        {
            await call.RejectAsync(error);
            return;
        }

        await AnswerAsync(call, prompt, n ?? 1, size, quality, format);
    }

    public static async Task EditAsync(SimulatorOperationCall call)
    {
        var form = await call.ReadFormAsync();
        if (form is null)
        {
            return;
        }

        string model = form["model"].ToString() is { Length: > 0 } named ? named : SimulatorOperationModels.Image;
        call.Model = model;
        var images = form.Files.Where(f => f.Name is "image" or "image[]").ToList();
        string prompt = form["prompt"].ToString();
        string? size = NonEmpty(form["size"]), quality = NonEmpty(form["quality"]), format = NonEmpty(form["response_format"]);
        int n = 1;
        var error = images.Count == 0 ? SimulatorError.MissingParameter("image")
            : prompt.Length == 0 ? SimulatorError.MissingParameter("prompt")
            : NonEmpty(form["n"]) is { } text && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out n) || n < 1 || n > MaxImages)
                ? SimulatorError.InvalidValue("n", $"'n' must be an integer between 1 and {MaxImages}.")
            : SimulatorOperationFields.OptionalChoice("size", size, Sizes)
                ?? SimulatorOperationFields.OptionalChoice("quality", quality, Qualities)
                ?? SimulatorOperationFields.OptionalChoice("response_format", format, "url", "b64_json")
                ?? SimulatorOperationFields.CheckModel(model, Operation);
        if (error is not null)
        {
            await call.RejectAsync(error);
            return;
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var image in images)
        {
            await using var stream = image.OpenReadStream();
            var buffer = new byte[8192];
            int read;
            while ((read = await stream.ReadAsync(buffer, call.CancellationToken)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }
        }

        await AnswerAsync(call, prompt + "\n" + Convert.ToHexStringLower(hash.GetHashAndReset()), n, size, quality, format);
    }

    /// <summary>The colour seed of an edit: the prompt and the SHA-256 of the image parts, in order.</summary>
    public static string EditSeed(string prompt, ReadOnlySpan<byte> imageBytes) => prompt + "\n" + Convert.ToHexStringLower(SHA256.HashData(imageBytes));

    private static Task AnswerAsync(SimulatorOperationCall call, string seed, int n, string? size, string? quality, string? format)
    {
        string servedSize = size is null or "auto" ? DefaultSize : size;
        string servedQuality = quality is null or "auto" ? DefaultQuality : quality;
        var parts = servedSize.Split('x');
        int width = int.Parse(parts[0], CultureInfo.InvariantCulture), height = int.Parse(parts[1], CultureInfo.InvariantCulture);
        var png = SimulatorPng.Create(seed, width, height);
        string base64 = Convert.ToBase64String(png);
        return call.WriteJsonAsync(writer =>
        {
            writer.WriteStartObject();
            writer.WriteNumber("created", call.Created);
            writer.WriteStartArray("data");
            for (int i = 0; i < n; i++)
            {
                writer.WriteStartObject();
                if (format == "url")
                {
                    writer.WriteString("url", "data:image/png;base64," + base64);
                }
                else
                {
                    writer.WriteString("b64_json", base64);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteString("size", servedSize);
            writer.WriteString("quality", servedQuality);
            writer.WriteString("output_format", "png");
            writer.WriteEndObject();
        });
    }

    private static string? NonEmpty(Microsoft.Extensions.Primitives.StringValues value) => value.ToString() is { Length: > 0 } text ? text : null;
}
