internal static partial class Interop
{
    internal static class Libraries
    {
        // Bound at link time in the native AOT build (DirectPInvoke), so no dlopen happens
        // while a thread sits in a container's mount namespace.
        internal const string Libc = "libc";
    }
}
