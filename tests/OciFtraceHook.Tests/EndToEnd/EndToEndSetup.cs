using OciFtraceHook.Tests.EndToEnd.Infrastructure;

namespace OciFtraceHook.Tests.EndToEnd;

[SetUpFixture]
public class EndToEndSetup
{
    [OneTimeSetUp]
    public void RecordHost()
    {
        if (Environment.IsPrivilegedProcess) TestHost.Record();
    }

    [OneTimeTearDown]
    public void RestoreHost()
    {
        if (Environment.IsPrivilegedProcess) TestHost.Restore();
    }
}
