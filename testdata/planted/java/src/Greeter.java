public class Greeter { public static String hello() { return "greeter 1.2.3"; } }
