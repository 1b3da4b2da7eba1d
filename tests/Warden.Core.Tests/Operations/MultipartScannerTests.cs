using System.Text;
using Warden.Core.Operations;

namespace Warden.Core.Tests.Operations;

public sealed class MultipartScannerTests
{
    private const string Boundary = "----WardenBoundary7MA4YWxk";

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(17)]
    [InlineData(4096)]
    [InlineData(int.MaxValue)]
    public void Feed_AnyChunking_FindsFieldsAndFileLengthWithoutKeepingTheFile(int chunkSize)
    {
        var file = FileBytes(100_000);
        var body = Body(("model", null, Encoding.UTF8.GetBytes("whisper-1")), ("file", "speech.wav", file), ("response_format", null, "verbose_json"u8.ToArray()));

        var scanner = FeedAll(body, chunkSize);

        Assert.True(scanner.Complete(), scanner.Error?.Message);
        Assert.Equal("whisper-1", scanner.Field("model"));
        Assert.Equal("verbose_json", scanner.Field("response_format"));
        var part = Assert.Single(scanner.Parts, p => p.IsFile);
        Assert.Equal("file", part.Name);
        Assert.Equal("speech.wav", part.FileName);
        Assert.Equal("audio/wav", part.ContentType);
        Assert.Equal(file.Length, part.Length);
        Assert.Equal(file.AsSpan(0, MultipartScanner.HeadBytes).ToArray(), part.Head.ToArray());
    }

    [Fact]
    public void Feed_FileHoldingPartialDelimiters_CountsThemAsContent()
    {
        // CR, CRLF, CRLF-- and CRLF--<part of the boundary> inside the file must all stay file bytes.
        var file = Encoding.ASCII.GetBytes("a\rb\r\nc\r\n-d\r\n--e\r\n--" + Boundary[..10] + "f\r\r\n--" + Boundary[..^1] + "g");
        var body = Body(("file", "x.bin", file));

        foreach (int size in (int[])[1, 2, 5, body.Length])
        {
            var scanner = FeedAll(body, size);
            Assert.True(scanner.Complete());
            var part = Assert.Single(scanner.Parts);
            Assert.Equal(file.Length, part.Length);
            Assert.Equal(file, part.Head.ToArray());
        }
    }

    [Fact]
    public void Feed_ModelAfterTheFile_IsKnownOnlyAfterTheFileWhileInFileSaysSo()
    {
        var body = Body(("file", "a.wav", FileBytes(1000)), ("model", null, "sim-whisper"u8.ToArray()));
        var scanner = new MultipartScanner(Boundary);

        scanner.Feed(body.AsSpan(0, 400));
        Assert.True(scanner.InFile);
        Assert.Null(scanner.Field("model"));
        scanner.Feed(body.AsSpan(400));
        Assert.True(scanner.Complete());
        Assert.Equal("sim-whisper", scanner.Field("model"));
    }

    [Fact]
    public void Feed_PreambleAndEpilogue_AreIgnored()
    {
        var inner = Body(("model", null, "m"u8.ToArray()));
        var body = Encoding.ASCII.GetBytes("this is a preamble\r\n").Concat(inner).Concat(Encoding.ASCII.GetBytes("epilogue")).ToArray();

        var scanner = FeedAll(body, 7);

        Assert.True(scanner.Complete());
        Assert.Equal("m", scanner.Field("model"));
    }

    [Fact]
    public void Complete_TruncatedBody_FailsWithAnError()
    {
        var body = Body(("file", "a.wav", FileBytes(500)));

        var scanner = FeedAll(body[..^10], 64);

        Assert.False(scanner.Complete());
        Assert.Contains("closing boundary", scanner.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Feed_OversizedField_FailsNamingIt()
    {
        var body = Body(("prompt", null, new byte[MultipartScanner.MaxFieldBytes + 1]));

        var scanner = FeedAll(body, 8192);

        Assert.False(scanner.Complete());
        Assert.Equal("prompt", scanner.Error!.Param);
    }

    [Fact]
    public void Feed_PartWithoutName_Fails()
    {
        var body = Encoding.ASCII.GetBytes($"--{Boundary}\r\nContent-Type: text/plain\r\n\r\nx\r\n--{Boundary}--\r\n");

        var scanner = FeedAll(body, 5);

        Assert.False(scanner.Complete());
        Assert.NotNull(scanner.Error);
    }

    [Theory]
    [InlineData("multipart/form-data; boundary=abc", "abc")]
    [InlineData("Multipart/Form-Data; charset=utf-8; boundary=\"a b:c\"", "a b:c")]
    public void TryGetBoundary_FormData_ReadsIt(string contentType, string boundary)
    {
        Assert.True(MultipartScanner.TryGetBoundary(contentType, out var found, out _));
        Assert.Equal(boundary, found);
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("multipart/form-data")]
    [InlineData(null)]
    public void TryGetBoundary_NotFormDataWithBoundary_Refuses(string? contentType)
    {
        Assert.False(MultipartScanner.TryGetBoundary(contentType, out _, out var error));
        Assert.NotNull(error);
    }

    private static MultipartScanner FeedAll(byte[] body, int chunkSize)
    {
        var scanner = new MultipartScanner(Boundary);
        for (int i = 0; i < body.Length; i += Math.Min(chunkSize, body.Length))
        {
            scanner.Feed(body.AsSpan(i, Math.Min(chunkSize, body.Length - i)));
        }

        return scanner;
    }

    private static byte[] FileBytes(int length)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            // Plenty of CR, LF and '-' so that partial delimiters occur.
            bytes[i] = (byte)"\r\n-x--\rABC"[(i * 7) % 10];
        }

        return bytes;
    }

    private static byte[] Body(params (string Name, string? FileName, byte[] Content)[] parts)
    {
        using var body = new MemoryStream();
        foreach (var (name, fileName, content) in parts)
        {
            var headers = fileName is null
                ? $"--{Boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                : $"--{Boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{fileName}\"\r\nContent-Type: audio/wav\r\n\r\n";
            body.Write(Encoding.ASCII.GetBytes(headers));
            body.Write(content);
            body.Write("\r\n"u8);
        }

        body.Write(Encoding.ASCII.GetBytes($"--{Boundary}--\r\n"));
        return body.ToArray();
    }
}
