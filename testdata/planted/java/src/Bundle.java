public class Bundle { public static String hello() { return "bundle 0.9.0"; } }
