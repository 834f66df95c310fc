/**
 * MJCF of InvertedDoublePendulum-v5: a cart on a ±1 m rail carrying two 0.6 m poles in series, one motor on
 * the cart, and a site at the tip of the second pole.
 *
 * Physical parameters are those of Gymnasium's `inverted_double_pendulum.xml`: RK4 at 10 ms, gravity
 * (1e-5, 0, −9.81) (the tiny x component breaks the upright symmetry); no collisions between bodies; cart
 * capsule of radius 0.1, half-length 0.1 along x; pole capsules of radius 0.045 and length 0.6, density 1000;
 * joint damping 0.05; slider limited to ±1 with limit margin 0.01, hinges unlimited; motor gear 500 on
 * [−1, 1]. A floor plane at z = −3 exists in the reference and is kept (it takes part in no contact).
 */
export const INVERTED_DOUBLE_PENDULUM_XML = `
<mujoco model="varl-inverted-double-pendulum">
  <compiler inertiafromgeom="true"/>
  <option timestep="0.01" integrator="RK4" gravity="1e-5 0 -9.81"/>
  <default>
    <joint damping="0.05"/>
    <geom type="capsule" contype="0" friction="1 0.1 0.1" rgba="0.7 0.7 0 1"/>
  </default>
  <worldbody>
    <geom name="floor" type="plane" pos="0 0 -3.0" size="40 40 40" rgba="0.8 0.9 0.8 1"/>
    <geom name="rail" pos="0 0 0" quat="0.707 0 0.707 0" size="0.02 1" rgba="0.3 0.3 0.7 1"/>
    <body name="cart" pos="0 0 0">
      <joint name="slider" type="slide" axis="1 0 0" pos="0 0 0" limited="true" range="-1 1" margin="0.01"/>
      <geom name="cart" pos="0 0 0" quat="0.707 0 0.707 0" size="0.1 0.1"/>
      <body name="pole" pos="0 0 0">
        <joint name="hinge" type="hinge" axis="0 1 0" pos="0 0 0"/>
        <geom name="cpole" fromto="0 0 0 0 0 0.6" size="0.045 0.3" rgba="0 0.7 0.7 1"/>
        <body name="pole2" pos="0 0 0.6">
          <joint name="hinge2" type="hinge" axis="0 1 0" pos="0 0 0"/>
          <geom name="cpole2" fromto="0 0 0 0 0 0.6" size="0.045 0.3" rgba="0 0.7 0.7 1"/>
          <site name="tip" pos="0 0 0.6" size="0.01 0.01"/>
        </body>
      </body>
    </body>
  </worldbody>
  <actuator>
    <motor name="slide" joint="slider" ctrllimited="true" ctrlrange="-1 1" gear="500"/>
  </actuator>
</mujoco>
`;
